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
    /// Every slice with pages, once. A new capability's pages are one more line here.
    static let slices: [any WebSlice.Type] = [
        HealthRoutes.self, HomePages.self, IdentityPages.self, LedgerPages.self, TradingPages.self,
        PartnersPages.self, CommissionsPages.self, ClientsPages.self,
    ]

    static func pages(_ services: AppServices) -> [any WebSlice] {
        [
            HealthRoutes(services: services.web),
            HomePages(services: services),
            IdentityPages(services: services.web),
            LedgerPages(ledger: services.ledger, clock: services.clock),
            TradingPages(services: services.web, trading: services.trading, ledger: services.ledger),
            PartnersPages(web: services.web, partners: services.partners, commissions: services.commissions, trading: services.trading),
            CommissionsPages(web: services.web, commissions: services.commissions, partners: services.partners),
            ClientsPages(web: services.web, clientEvents: services.clientEvents),
        ]
    }

    /// Who may call each route: the rows every slice declares.
    public static let permissions = PermissionTable(slices.flatMap { $0.permissions })

    /// The router with every route registered; `registered` lists them for tests.
    public static func router(services: AppServices) -> (router: Router<AppContext>, registered: [String]) {
        let router = Router(context: AppContext.self)
        let renderer = PageRenderer(services: services.web, table: permissions, menu: slices.flatMap { $0.menu })
        router.add(middleware: RequestMiddleware(services: services.web, renderer: renderer))
        router.add(middleware: AuthMiddleware(services: services.web))
        let routes = SecuredRoutes(router: router, renderer: renderer, services: services.web, table: permissions)
        for slice in pages(services) { slice.register(routes) }
        return (router, routes.registered)
    }

    public static func application(services: AppServices, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(services: services).router,
                    configuration: .init(address: .hostname(host, port: port), serverName: "pipstack"),
                    logger: logger)
    }
}
