import BrokerCore
import Commissions
import Hummingbird
import Partners
import Trading
import WebKit

/// The partner book's pages: partners, their tree, plans and attributions in the
/// back office; the partner's commissions, network and agreement in the portal.
public struct PartnersPages: WebSlice {
    let services: PartnersWebServices

    public init(web: WebServices, partners: BookBuilder, commissions: CommissionServices, trading: TradingServices) {
        services = PartnersWebServices(web: web, partners: partners, commissions: commissions, trading: trading)
    }

    public static let permissions: [RoutePermission] = {
        let readers = RoutePermission.staff(.admin, .ibManager, .finance)
        let editors = RoutePermission.staff(.admin, .ibManager)
        return [
            .init(.get, "/admin/partners", readers),
            .init(.post, "/admin/partners", editors),
            .init(.get, "/admin/partners/:id", readers),
            .init(.post, "/admin/partners/:id/move", editors),
            .init(.post, "/admin/partners/:id/plan", editors),
            .init(.post, "/admin/partners/:id/attribute", editors),
            .init(.post, "/admin/partners/:id/override", editors),
            .init(.post, "/admin/partners/:id/invite", editors),
            .init(.get, "/partners/commissions", [.partner]),
            .init(.get, "/partners/commissions/explain", [.partner]),
            .init(.get, "/partners/network", [.partner]),
            .init(.get, "/partners/agreement", [.partner]),
            .init(.post, "/partners/agreement", [.partner]),
        ]
    }()

    public static let menu = [
        MenuItem(.admin, "/admin/partners", label: "nav_partners", rank: 80),
        MenuItem(.partners, "/partners/commissions", label: "nav_commissions", rank: 10),
        MenuItem(.partners, "/partners/network", label: "nav_network", rank: 20),
        MenuItem(.partners, "/partners/agreement", label: "agreement_title", rank: 90),
    ]

    public func register(_ routes: SecuredRoutes) {
        let renderer = routes.renderer
        PartnerRoutes(services: services, renderer: renderer).register(routes)
        PartnerAgreementRoutes(services: services, renderer: renderer).register(routes)
        PartnerPortalRoutes(services: services, renderer: renderer).register(routes)
    }
}
