import Hummingbird
import Logging
import Platform

/// Builds the one Hummingbird application that serves the back office (`/admin`),
/// the trader's room (`/portal`), the partner portal (`/partners`), the JSON API
/// (`/api/v1`) and the health endpoints.
public enum PipstackWeb {
    /// The router with every route registered; `registered` lists them for tests.
    public static func router(services: AppServices) -> (router: Router<AppContext>, registered: [String]) {
        let router = Router(context: AppContext.self)
        let renderer = PageRenderer(services: services)
        router.add(middleware: RequestMiddleware(services: services, renderer: renderer))
        router.add(middleware: AuthMiddleware(services: services))
        let routes = SecuredRoutes(router: router, renderer: renderer, services: services)
        HealthRoutes(services: services).register(routes)
        AuthRoutes(services: services, renderer: renderer).register(routes)
        HomeRoutes(services: services, renderer: renderer).register(routes)
        let admin = AdminRoutes(services: services, renderer: renderer)
        admin.register(routes)
        BrandRoutes(services: services, renderer: renderer, admin: admin).register(routes)
        TradeServerRoutes(services: services, renderer: renderer).register(routes)
        TradingAccountAdminRoutes(services: services, renderer: renderer).register(routes)
        ReconciliationRoutes(services: services, renderer: renderer).register(routes)
        PortalAccountRoutes(services: services, renderer: renderer).register(routes)
        PartnerRoutes(services: services, renderer: renderer).register(routes)
        InstrumentRoutes(services: services, renderer: renderer).register(routes)
        PartnerAgreementRoutes(services: services, renderer: renderer).register(routes)
        CommissionPlanRoutes(services: services, renderer: renderer).register(routes)
        CommissionReportRoutes(services: services, renderer: renderer).register(routes)
        PayoutRoutes(services: services, renderer: renderer).register(routes)
        PartnerPortalRoutes(services: services, renderer: renderer).register(routes)
        APIRoutes(services: services).register(routes)
        TradingAPIRoutes(services: services).register(routes)
        ClientEventAPIRoutes(services: services).register(routes)
        return (router, routes.registered)
    }

    public static func application(services: AppServices, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(services: services).router,
                    configuration: .init(address: .hostname(host, port: port), serverName: "pipstack"),
                    logger: logger)
    }
}
