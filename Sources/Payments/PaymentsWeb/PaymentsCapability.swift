import Ledger
import Logging
import ServiceLifecycle
import Payments
import Platform
import WebKit

/// Payments as a capability: providers, deposits and the webhook intake.
public enum PaymentsCapability: Capability {
    public static let migrations = PaymentsSchema.migrations
    public static let pages: [any WebSlice.Type] = [PaymentsPages.self]

    public static func build(into services: inout CapabilityServices) throws {
        let web = services.web
        try services.add(PaymentsServices(db: web.db, ledger: try services.get(), secretKey: services.settings.secretKey, clock: web.clock,
                                          logger: web.logger))
    }

    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] {
        [PaymentsPages(web: services.web, payments: try services.get())]
    }

    public static func background(_ services: CapabilityServices, logger: Logger) throws -> [any Service] {
        let payments: PaymentsServices = try services.get()
        return payments.backgroundServices(logger: logger, health: services.web.health)
    }
}

/// The payments pages and endpoints: the webhook intake, the trader's deposits, and
/// the deliveries kept for staff to review.
public struct PaymentsPages: WebSlice {
    let web: WebServices
    let payments: PaymentsServices

    public init(web: WebServices, payments: PaymentsServices) {
        self.web = web
        self.payments = payments
    }

    public static let menu = [
        MenuItem(.portal, "/portal/deposit", label: "nav_deposit", rank: 12),
        MenuItem(.admin, "/admin/payments/deposits", label: "nav_deposits", rank: 61),
        MenuItem(.admin, "/admin/payments/webhooks", label: "nav_payment_webhooks", rank: 62),
    ]

    public static let permissions: [RoutePermission] = [
        // Providers sign what they send; the signature is the authentication.
        .init(.post, "/webhooks/psp/:provider", RoutePermission.everyone),
        .init(.get, "/portal/deposit", [.trader]),
        .init(.post, "/portal/deposit", [.trader]),
        .init(.get, "/portal/deposits/:id", [.trader]),
        .init(.get, "/admin/payments/webhooks", RoutePermission.staff(.admin, .finance, .compliance)),
        .init(.get, "/admin/payments/deposits", RoutePermission.staff(.admin, .finance, .compliance)),
        .init(.get, "/admin/payments/deposits/:id", RoutePermission.staff(.admin, .finance, .compliance)),
        .init(.post, "/admin/payments/deposits/:id/refund", RoutePermission.staff(.admin, .finance)),
        .init(.post, "/admin/payments/deposits/:id/lift-hold", RoutePermission.staff(.admin, .compliance)),
    ]

    public func register(_ routes: SecuredRoutes) {
        WebhookRoutes(payments: payments).register(routes)
        DepositRoutes(web: web, payments: payments, renderer: routes.renderer).register(routes)
        DepositAdminRoutes(web: web, payments: payments, renderer: routes.renderer).register(routes)
    }
}
