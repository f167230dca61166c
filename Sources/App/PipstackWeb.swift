import Clients
import ClientsWeb
import Commissions
import CommissionsWeb
import Hummingbird
import IdentityWeb
import LedgerWeb
import Logging
import PartnersWeb
import Platform
import TradingWeb
import WebKit

/// Builds the one Hummingbird application that serves the back office (`/admin`),
/// the trader's room (`/portal`), the partner portal (`/partners`), the JSON API
/// (`/api/v1`) and the health endpoints, from every slice's pages.
public enum PipstackWeb {
    /// Every slice with pages, once: its type (for the permission rows and menu
    /// entries) and how it is built from the services. A new capability's pages are
    /// one more line here.
    static let slices: [(type: any WebSlice.Type, make: @Sendable (AppServices) -> any WebSlice)] = [
        (HealthRoutes.self, { HealthRoutes(services: $0.web) }),
        (HomePages.self, { HomePages(services: $0) }),
        (IdentityPages.self, { IdentityPages(services: $0.web) }),
        (LedgerPages.self, { LedgerPages(ledger: $0.ledger, clock: $0.clock) }),
        (TradingPages.self, { TradingPages(services: $0.web, trading: $0.trading, ledger: $0.ledger) }),
        (PartnersPages.self, { PartnersPages(web: $0.web, partners: $0.partners, commissions: $0.commissions, trading: $0.trading) }),
        (CommissionsPages.self, { CommissionsPages(web: $0.web, commissions: $0.commissions, partners: $0.partners) }),
        (ClientsPages.self, { ClientsPages(web: $0.web, clientEvents: $0.clientEvents) }),
    ]

    /// Who may call each route: the rows every slice declares.
    public static let permissions = PermissionTable(slices.flatMap { $0.type.permissions })

    /// The router with every route registered; `registered` lists them for tests.
    public static func router(services: AppServices) -> (router: Router<AppContext>, registered: [String]) {
        let router = Router(context: AppContext.self)
        let renderer = PageRenderer(services: services.web, table: permissions, menu: slices.flatMap { $0.type.menu })
        router.add(middleware: RequestMiddleware(services: services.web, renderer: renderer))
        router.add(middleware: AuthMiddleware(services: services.web))
        let routes = SecuredRoutes(router: router, renderer: renderer, services: services.web, table: permissions)
        for slice in slices { slice.make(services).register(routes) }
        return (router, routes.registered)
    }

    public static func application(services: AppServices, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(services: services).router,
                    configuration: .init(address: .hostname(host, port: port), serverName: "pipstack"),
                    logger: logger)
    }
}
