import BrokerCore
import Commissions
import Hummingbird
import Partners
import WebKit

/// The commission engine's pages: reports and explanations, recalculation, plans and
/// what-if, the instrument catalog, payouts in the back office and in the partner
/// portal.
public struct CommissionsPages: WebSlice {
    let services: CommissionsWebServices

    public init(web: WebServices, commissions: CommissionServices, partners: BookBuilder) {
        services = CommissionsWebServices(web: web, commissions: commissions, partners: partners)
    }

    public static let permissions: [RoutePermission] = {
        let readers = RoutePermission.staff(.admin, .ibManager, .finance)
        let editors = RoutePermission.staff(.admin, .ibManager)
        let finance = RoutePermission.staff(.admin, .finance)
        return [
            .init(.get, "/admin/commissions", readers),
            .init(.get, "/admin/commissions/lines", readers),
            .init(.get, "/admin/commissions/explain", readers),
            .init(.post, "/admin/commissions/recalculate", finance),
            .init(.get, "/admin/payouts", readers),
            .init(.post, "/admin/payouts/run", finance),
            .init(.post, "/admin/payouts/:id/approve", finance),
            .init(.post, "/admin/payouts/:id/reject", finance),
            .init(.get, "/admin/payouts/:id", readers),
            .init(.get, "/admin/payouts/:id/statement.csv", readers),
            .init(.post, "/admin/partners/:id/payout-settings", finance),
            .init(.get, "/admin/commission-plans", readers),
            .init(.post, "/admin/commission-plans", editors),
            .init(.post, "/admin/commission-plans/form", editors),
            .init(.get, "/admin/commission-plans/:id", readers),
            .init(.get, "/admin/commission-plans/:id/export", readers),
            .init(.get, "/admin/instruments", readers),
            .init(.post, "/admin/instruments", editors),
            .init(.post, "/admin/instruments/clear", editors),
            .init(.post, "/admin/instruments/folders", editors),
            .init(.get, "/partners/payouts", [.partner]),
            .init(.post, "/partners/payouts/destination", [.partner]),
            .init(.get, "/partners/payouts/:id", [.partner]),
            .init(.get, "/partners/payouts/:id/statement.csv", [.partner]),
        ]
    }()

    public static let menu = [
        MenuItem(.admin, "/admin/commissions", label: "nav_commissions", rank: 90),
        MenuItem(.admin, "/admin/commission-plans", label: "nav_commission_plans", rank: 100),
        MenuItem(.admin, "/admin/instruments", label: "nav_instruments", rank: 110),
        MenuItem(.admin, "/admin/payouts", label: "nav_payouts", rank: 120),
        MenuItem(.partners, "/partners/payouts", label: "nav_payouts", rank: 30),
    ]

    public func register(_ routes: SecuredRoutes) {
        let renderer = routes.renderer
        InstrumentRoutes(services: services, renderer: renderer).register(routes)
        CommissionPlanRoutes(services: services, renderer: renderer).register(routes)
        CommissionReportRoutes(services: services, renderer: renderer).register(routes)
        PayoutRoutes(services: services, renderer: renderer).register(routes)
    }
}
