import BrokerCore
import Hummingbird
import Ledger
import Trading
import WebKit

/// Trading's pages and API: trade servers and account types, trading accounts and
/// balance operations, reconciliation, the trader's accounts in the trader's room,
/// and `/api/v1/trading`.
public struct TradingPages: WebSlice {
    let services: WebServices
    let trading: TradingServices
    /// The trader's wallet balances shown next to the accounts they fund.
    let ledger: LedgerStore

    public init(services: WebServices, trading: TradingServices, ledger: LedgerStore) {
        self.services = services
        self.trading = trading
        self.ledger = ledger
    }

    public static let permissions: [RoutePermission] = {
        let accountReaders = RoutePermission.staff(.admin, .finance, .compliance, .dealing)
        return [
            .init(.get, "/admin/trade-servers", RoutePermission.staff(.admin)),
            .init(.get, "/admin/trade-servers/:id", RoutePermission.staff(.admin)),
            .init(.post, "/admin/trade-servers/:id", RoutePermission.staff(.admin)),
            .init(.post, "/admin/trade-servers/:id/resync", RoutePermission.staff(.admin)),
            .init(.get, "/admin/account-types", RoutePermission.staff(.admin)),
            .init(.get, "/admin/account-types/:id", RoutePermission.staff(.admin)),
            .init(.post, "/admin/account-types/:id", RoutePermission.staff(.admin)),
            .init(.get, "/admin/trading-accounts", accountReaders),
            .init(.get, "/admin/trading-accounts/:server/:login", accountReaders),
            .init(.post, "/admin/trading-accounts/:server/:login/change", RoutePermission.staff(.admin, .dealing)),
            .init(.post, "/admin/trading-accounts/:server/:login/balance", RoutePermission.staff(.admin, .finance)),
            .init(.get, "/admin/balance-operations", RoutePermission.staff(.admin, .finance)),
            .init(.get, "/admin/reconciliation", RoutePermission.staff(.admin, .finance)),
            .init(.post, "/admin/reconciliation/run", RoutePermission.staff(.admin, .finance)),
            .init(.post, "/admin/reconciliation/items/:id/resolve", RoutePermission.staff(.admin, .finance)),
            .init(.get, "/portal/accounts", [.trader]),
            .init(.post, "/portal/accounts", [.trader]),
            .init(.get, "/portal/new-account/:key", [.trader]),
            .init(.get, "/portal/accounts/:server/:login", [.trader]),
            .init(.post, "/portal/accounts/:server/:login/transfer", [.trader]),
            .init(.post, "/portal/accounts/:server/:login/password", [.trader]),
            .init(.get, "/api/v1/trading/accounts", accountReaders),
            .init(.get, "/api/v1/trading/accounts/:server/:login/deals", accountReaders),
            .init(.post, "/api/v1/trading/balance-operations", RoutePermission.staff(.admin, .finance)),
            .init(.get, "/api/v1/trading/balance-operations/:id", RoutePermission.staff(.admin, .finance)),
        ]
    }()

    public static let menu = [
        MenuItem(.admin, "/admin/trading-accounts", label: "nav_trading_accounts", rank: 20),
        MenuItem(.admin, "/admin/balance-operations", label: "nav_balance_operations", rank: 30),
        MenuItem(.admin, "/admin/reconciliation", label: "nav_reconciliation", rank: 40),
        MenuItem(.admin, "/admin/trade-servers", label: "nav_trade_servers", rank: 130),
        MenuItem(.admin, "/admin/account-types", label: "nav_account_types", rank: 140),
        MenuItem(.portal, "/portal/accounts", label: "nav_accounts", rank: 10),
    ]

    public func register(_ routes: SecuredRoutes) {
        let renderer = routes.renderer
        TradeServerRoutes(services: services, renderer: renderer, trading: trading).register(routes)
        TradingAccountAdminRoutes(services: services, renderer: renderer, trading: trading).register(routes)
        ReconciliationRoutes(services: services, renderer: renderer, trading: trading).register(routes)
        PortalAccountRoutes(services: services, renderer: renderer, trading: trading, ledger: ledger, credentials: OneTimeCredentials()).register(routes)
        TradingAPIRoutes(services: services, trading: trading).register(routes)
    }
}
