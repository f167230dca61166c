import BrokerCore
import Commissions
import Clients
import Foundation
import Identity
import Ledger
import Logging
import Money
import Partners
import Platform
import Prometheus
import Trading
import WebKit

/// The composition root's services: the web layer's shared services and each
/// slice's own, built once by the CLI (or a test). Slices' web modules each take
/// `web` and their own slice's services from here; nothing else reaches across.
public struct AppServices: Sendable {
    public let web: WebServices
    public let ledger: LedgerStore
    public let trading: TradingServices
    public let partners: BookBuilder
    /// Commission reports, what-if, recalculation, the instrument catalog, settlements and payouts.
    public let commissions: CommissionServices
    /// Deposits and KYC approvals reported for clients; with the CPA decisions they feed.
    public let clientEvents: ClientEventStore

    public init(db: Database, clock: any PipstackClock, secretKey: String, brands: [Brand], settings: WebSettings,
                templatesOverride: URL? = nil, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                balanceOperationLeaseSeconds: Int64 = 30, logger: Logger) throws {
        web = try WebServices(db: db, clock: clock, secretKey: secretKey, brands: brands, settings: settings,
                              templatesOverride: templatesOverride, metrics: metrics, logger: logger)
        ledger = try LedgerStore(db: db, clock: clock)
        partners = BookBuilder(db: db, clock: clock)
        trading = try TradingServices(db: db, ledger: ledger, secretKey: secretKey, clock: clock, leaseSeconds: balanceOperationLeaseSeconds, logger: logger)
        commissions = CommissionServices(db: db, ledger: ledger, deals: trading.deals, clock: clock, deposit: Self.payoutDeposit(trading))
        clientEvents = ClientEventStore(db: db, clock: clock)
    }

    // The shared services, by the names the CLI and tests use.
    public var db: Database { web.db }
    public var clock: any PipstackClock { web.clock }
    public var identity: IdentityService { web.identity }
    public var sessions: SessionStore { web.sessions }
    public var resets: PasswordResets { web.resets }
    public var apiKeys: ApiKeys { web.apiKeys }
    public var jobs: JobQueue { web.jobs }
    public var brands: BrandCatalog { web.brands }
    public var brandStore: BrandStore { web.brandStore }
    public var settings: WebSettings { web.settings }
    public var logger: Logger { web.logger }
    public var health: PipelineHealth { web.health }
    public var payouts: PayoutStore { commissions.payouts }
    public var cpa: CPASettlement { commissions.cpa }
}

extension AppServices {
    /// A payout to a trading account: from the partner's wallet, through the platform's balance-operation outbox.
    static func payoutDeposit(_ trading: TradingServices) -> PayoutStore.TradingAccountDeposit {
        { payout, walletOwner in
            guard let key = TradingAccountKey(payout.target), let currency = Currency(code: payout.payoutCurrency) else {
                throw PayoutError.invalid(field: "target", "SERVER:LOGIN of a trading account")
            }
            try await trading.depositFromWallet(reference: "payout:\(payout.id)", serverID: key.server, login: key.login,
                                                amount: Money(minorUnits: payout.payoutMinor, currency: currency), walletOwner: walletOwner,
                                                comment: "IB payout \(payout.periodKey)", audit: .system)
        }
    }
}
