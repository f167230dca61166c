import BrokerCore
import Hummingbird
import Platform

/// Who may call one route.
public struct RoutePermission: Sendable, Hashable {
    public let method: HTTPRequest.Method
    public let path: String
    public let allowed: Set<Principal>

    public init(_ method: HTTPRequest.Method, _ path: String, _ allowed: Set<Principal>) {
        self.method = method
        self.path = path
        self.allowed = allowed
    }
}

/// The one table that maps every route to the principals allowed on it.
///
/// Routes are registered through `SecuredRoutes`, which looks each one up here; a
/// route missing from the table is refused to everyone, and a test walks every
/// route with every principal against this table.
public enum PermissionTable {
    public static let everyone = Set(Principal.all)
    public static let allStaff = Set(StaffRole.allCases.map { Principal.staff($0) })
    public static let authenticated = everyone.subtracting([.anonymous])
    static func staff(_ roles: StaffRole...) -> Set<Principal> { Set(roles.map { .staff($0) }) }

    public static let rules: [RoutePermission] = {
        var rules: [RoutePermission] = [
            .init(.get, "/healthz", everyone),
            .init(.get, "/readyz", everyone),
            .init(.get, "/metrics", everyone),
            .init(.get, "/assets/:file", everyone),
            .init(.get, "/", everyone),
        ]
        // Login, logout, password reset: on each surface, open to all (pages decide what to show).
        for surface in Surface.allCases {
            let base = surface.basePath
            rules += [
                .init(.get, "\(base)/login", everyone),
                .init(.post, "\(base)/login", everyone),
                .init(.post, "\(base)/logout", everyone),
                .init(.get, "\(base)/password-reset", everyone),
                .init(.post, "\(base)/password-reset", everyone),
                .init(.get, "\(base)/password-reset/confirm", everyone),
                .init(.post, "\(base)/password-reset/confirm", everyone),
            ]
        }
        rules += [
            // Back office.
            .init(.get, "/admin", allStaff),
            .init(.get, "/admin/2fa", everyone),
            .init(.post, "/admin/2fa", everyone),
            .init(.get, "/admin/users", staff(.admin, .compliance)),
            .init(.get, "/admin/ledger", staff(.admin, .finance)),
            .init(.post, "/admin/ledger/verify", staff(.admin, .finance)),
            .init(.get, "/admin/ledger/statement", staff(.admin, .finance)),
            .init(.get, "/admin/audit", staff(.admin, .compliance)),
            .init(.get, "/admin/brands", staff(.admin)),
            .init(.get, "/admin/brands/:id", staff(.admin)),
            .init(.post, "/admin/brands/:id", staff(.admin)),
            .init(.get, "/admin/jobs", staff(.admin)),
            .init(.post, "/admin/jobs/:id/retry", staff(.admin)),
            .init(.get, "/admin/trade-servers", staff(.admin)),
            .init(.get, "/admin/trade-servers/:id", staff(.admin)),
            .init(.post, "/admin/trade-servers/:id", staff(.admin)),
            .init(.post, "/admin/trade-servers/:id/resync", staff(.admin)),
            .init(.get, "/admin/account-types", staff(.admin)),
            .init(.get, "/admin/account-types/:id", staff(.admin)),
            .init(.post, "/admin/account-types/:id", staff(.admin)),
            .init(.get, "/admin/trading-accounts", staff(.admin, .finance, .compliance, .dealing)),
            .init(.get, "/admin/trading-accounts/:server/:login", staff(.admin, .finance, .compliance, .dealing)),
            .init(.post, "/admin/trading-accounts/:server/:login/change", staff(.admin, .dealing)),
            .init(.post, "/admin/trading-accounts/:server/:login/balance", staff(.admin, .finance)),
            .init(.get, "/admin/balance-operations", staff(.admin, .finance)),
            .init(.get, "/admin/reconciliation", staff(.admin, .finance)),
            .init(.post, "/admin/reconciliation/run", staff(.admin, .finance)),
            .init(.post, "/admin/reconciliation/items/:id/resolve", staff(.admin, .finance)),
            .init(.get, "/admin/partners", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/partners", staff(.admin, .ibManager)),
            .init(.get, "/admin/partners/:id", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/partners/:id/move", staff(.admin, .ibManager)),
            .init(.post, "/admin/partners/:id/plan", staff(.admin, .ibManager)),
            .init(.post, "/admin/partners/:id/attribute", staff(.admin, .ibManager)),
            .init(.post, "/admin/partners/:id/override", staff(.admin, .ibManager)),
            .init(.get, "/admin/commissions", staff(.admin, .ibManager, .finance)),
            .init(.get, "/admin/commissions/lines", staff(.admin, .ibManager, .finance)),
            .init(.get, "/admin/commissions/explain", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/commissions/recalculate", staff(.admin, .finance)),
            .init(.get, "/admin/payouts", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/payouts/run", staff(.admin, .finance)),
            .init(.post, "/admin/payouts/:id/approve", staff(.admin, .finance)),
            .init(.post, "/admin/payouts/:id/reject", staff(.admin, .finance)),
            .init(.get, "/admin/payouts/:id", staff(.admin, .ibManager, .finance)),
            .init(.get, "/admin/payouts/:id/statement.csv", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/partners/:id/payout-settings", staff(.admin, .finance)),
            .init(.get, "/admin/commission-plans", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/commission-plans", staff(.admin, .ibManager)),
            .init(.post, "/admin/commission-plans/form", staff(.admin, .ibManager)),
            .init(.get, "/admin/commission-plans/:id", staff(.admin, .ibManager, .finance)),
            .init(.get, "/admin/commission-plans/:id/export", staff(.admin, .ibManager, .finance)),
            .init(.get, "/admin/instruments", staff(.admin, .ibManager, .finance)),
            .init(.post, "/admin/instruments", staff(.admin, .ibManager)),
            .init(.post, "/admin/instruments/clear", staff(.admin, .ibManager)),
            .init(.get, "/admin/api-keys", allStaff),
            .init(.post, "/admin/api-keys", allStaff),
            .init(.post, "/admin/api-keys/:id/revoke", allStaff),
            // Trader's room and partner portal.
            .init(.get, "/portal", [.trader]),
            .init(.get, "/portal/accounts", [.trader]),
            .init(.post, "/portal/accounts", [.trader]),
            .init(.get, "/portal/accounts/:server/:login", [.trader]),
            .init(.post, "/portal/accounts/:server/:login/transfer", [.trader]),
            .init(.post, "/portal/accounts/:server/:login/password", [.trader]),
            .init(.get, "/partners", [.partner]),
            .init(.get, "/partners/commissions", [.partner]),
            .init(.get, "/partners/commissions/explain", [.partner]),
            .init(.get, "/partners/payouts", [.partner]),
            .init(.post, "/partners/payouts/destination", [.partner]),
            .init(.get, "/partners/network", [.partner]),
            .init(.get, "/partners/agreement", [.partner]),
            .init(.post, "/partners/agreement", [.partner]),
            .init(.get, "/partners/payouts/:id", [.partner]),
            .init(.get, "/partners/payouts/:id/statement.csv", [.partner]),
            // JSON API.
            .init(.get, "/api/v1/openapi.json", everyone),
            .init(.get, "/api/v1/me", authenticated),
            .init(.get, "/api/v1/ledger/accounts", staff(.admin, .finance)),
            .init(.get, "/api/v1/ledger/statement", staff(.admin, .finance)),
            .init(.post, "/api/v1/ledger/transactions", staff(.admin, .finance)),
            .init(.get, "/api/v1/ledger/transactions", staff(.admin, .finance)),
            .init(.get, "/api/v1/audit/events", staff(.admin, .compliance)),
            .init(.get, "/api/v1/jobs", staff(.admin)),
            .init(.get, "/api/v1/trading/accounts", staff(.admin, .finance, .compliance, .dealing)),
            .init(.get, "/api/v1/trading/accounts/:server/:login/deals", staff(.admin, .finance, .compliance, .dealing)),
            .init(.post, "/api/v1/trading/balance-operations", staff(.admin, .finance)),
            .init(.get, "/api/v1/trading/balance-operations/:id", staff(.admin, .finance)),
            .init(.post, "/api/v1/client-events", staff(.admin, .finance, .compliance)),
            .init(.get, "/api/v1/clients/:id/events", staff(.admin, .finance, .compliance, .ibManager)),
        ]
        return rules
    }()

    static let index: [String: RoutePermission] = Dictionary(uniqueKeysWithValues: rules.map { ("\($0.method.rawValue) \($0.path)", $0) })

    public static func rule(_ method: HTTPRequest.Method, _ path: String) -> RoutePermission? {
        index["\(method.rawValue) \(path)"]
    }

    public static func allows(_ principal: Principal, _ method: HTTPRequest.Method, _ path: String) -> Bool {
        rule(method, path)?.allowed.contains(principal) ?? false
    }
}
