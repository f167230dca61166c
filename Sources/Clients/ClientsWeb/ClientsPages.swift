import BrokerCore
import Clients
import Commissions
import Ledger
import Partners
import Payments
import Trading
import Hummingbird
import WebKit

/// The clients slice's API: deposits and KYC approvals reported by outside systems
/// (`/api/v1/client-events`), and a client's events.
public struct ClientsPages: WebSlice {
    let services: ClientsWebServices

    public init(web: WebServices, clientEvents: ClientEventStore, trading: TradingServices, ledger: LedgerStore, partners: BookBuilder,
                commissions: CommissionServices, payments: PaymentsServices) {
        services = ClientsWebServices(web: web, clientEvents: clientEvents, trading: trading, ledger: ledger, partners: partners, commissions: commissions,
                                      payments: payments)
    }

    /// Who reads clients: the staff who serve, check or pay them.
    static let readers = RoutePermission.staff(.admin, .compliance, .finance, .dealing, .salesAgent, .deskManager)

    public static let menu = [MenuItem(.admin, "/admin/clients", label: "nav_clients", rank: 5)]

    public static let permissions: [RoutePermission] = [
        .init(.get, "/admin/clients", readers),
        .init(.get, "/admin/clients/export.csv", readers),
        .init(.get, "/admin/clients/:id", readers),
        .init(.post, "/api/v1/client-events", RoutePermission.staff(.admin, .finance, .compliance)),
        .init(.get, "/api/v1/clients/:id/events", RoutePermission.staff(.admin, .finance, .compliance, .ibManager)),
    ]

    public func register(_ routes: SecuredRoutes) {
        ClientEventAPIRoutes(services: services).register(routes)
        ClientRoutes(services: services, renderer: routes.renderer).register(routes)
    }
}

/// What the clients pages read: the shared web services, the client events, and the
/// published interfaces of the slices a client's page shows (accounts and deals,
/// the wallet and its deposits, attribution, CPA).
struct ClientsWebServices: Sendable {
    let web: WebServices
    let clientEvents: ClientEventStore
    let trading: TradingServices
    let ledger: LedgerStore
    let partners: BookBuilder
    let commissions: CommissionServices
    let payments: PaymentsServices
}
