import Hummingbird
import Logging
import Platform
import WebKit

/// Builds the one Hummingbird application that serves the back office (`/admin`),
/// the trader's room (`/portal`), the partner portal (`/partners`), the JSON API
/// (`/api/v1`) and the health endpoints, from every slice's pages.
public enum PipstackWeb {
    /// The page types of every capability, and the home pages `App` owns.
    static let pageTypes: [any WebSlice.Type] = [HomePages.self] + Capabilities.all.flatMap { $0.pages }

    /// Who may call each route: the rows every slice declares.
    public static let permissions = PermissionTable(pageTypes.flatMap { $0.permissions })

    /// The router with every route registered; `registered` lists them for tests.
    public static func router(services: AppServices) throws -> (router: Router<AppContext>, registered: [String]) {
        let router = Router(context: AppContext.self)
        let renderer = PageRenderer(services: services.web, table: permissions, menu: pageTypes.flatMap { $0.menu })
        router.add(middleware: RequestMiddleware(services: services.web, renderer: renderer))
        router.add(middleware: AuthMiddleware(services: services.web))
        let routes = SecuredRoutes(router: router, renderer: renderer, services: services.web, table: permissions)
        let pages: [any WebSlice] = [HomePages(services: services)] + (try Capabilities.all.flatMap { try $0.pages(services.built) })
        for page in pages { page.register(routes) }
        return (router, routes.registered)
    }

    public static func application(services: AppServices, host: String, port: Int, logger: Logger) throws -> some ApplicationProtocol {
        Application(router: try router(services: services).router,
                    configuration: .init(address: .hostname(host, port: port), serverName: "pipstack"),
                    logger: logger)
    }
}
