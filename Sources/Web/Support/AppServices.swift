import BrokerCore
import Foundation
import Identity
import Logging
import Money
import Prometheus
import Platform
import Partners
import Trading
import Clients
import Commissions
import Ledger

/// Everything the web layer calls into. Built once by the CLI (or a test) and
/// shared by every request.
public struct AppServices: Sendable {
    public let db: Database
    public let clock: any PipstackClock
    public let identity: IdentityService
    public let sessions: SessionStore
    public let resets: PasswordResets
    public let apiKeys: ApiKeys
    public let ledger: LedgerStore
    public let jobs: JobQueue
    public let brands: BrandCatalog
    public let trading: TradingServices
    public let partners: BookBuilder
    /// Commission reports, what-if, recalculation, the instrument catalog, settlements and payouts.
    public let commissions: CommissionServices
    public var payouts: PayoutStore { commissions.payouts }
    /// Deposits and KYC approvals reported for clients; with the CPA decisions they feed.
    public let clientEvents: ClientEventStore
    public var cpa: CPASettlement { commissions.cpa }
    public let brandStore: BrandStore
    public let localization: Localization
    public let templates: Templates
    public let throttle: LoginThrottle
    public let metrics: PrometheusCollectorRegistry
    public let settings: WebSettings
    public let logger: Logger
    /// Background pipelines that stopped on an error retrying cannot fix (`/readyz`, the back-office home).
    public let health: PipelineHealth

    public init(db: Database, clock: any PipstackClock, secretKey: String, brands: [Brand], settings: WebSettings,
                templatesOverride: URL? = nil, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                balanceOperationLeaseSeconds: Int64 = 30, logger: Logger) throws {
        self.db = db
        self.clock = clock
        identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: secretKey), bcryptCost: settings.bcryptCost,
                                   policy: LoginPolicy(twoFactorRoles: settings.twoFactorRoles))
        sessions = SessionStore(db: db, clock: clock)
        resets = PasswordResets(identity: identity)
        apiKeys = ApiKeys(db: db, clock: clock)
        ledger = try LedgerStore(db: db, clock: clock)
        jobs = JobQueue(db: db, clock: clock)
        partners = BookBuilder(db: db, clock: clock)
        trading = try TradingServices(db: db, ledger: ledger, secretKey: secretKey, clock: clock, leaseSeconds: balanceOperationLeaseSeconds, logger: logger)
        commissions = CommissionServices(db: db, ledger: ledger, deals: trading.deals, clock: clock, deposit: Self.payoutDeposit(trading))
        clientEvents = ClientEventStore(db: db, clock: clock)
        brandStore = BrandStore(db: db)
        self.brands = BrandCatalog(brands: brands, store: brandStore, clock: clock)
        localization = try Localization(folder: WebResources.strings)
        templates = try Templates(shippedFolder: WebResources.templates, overridesFolder: templatesOverride)
        throttle = LoginThrottle(clock: clock)
        self.metrics = metrics
        self.settings = settings
        self.logger = logger
        health = PipelineHealth()
    }
}

extension AppServices {
    /// A payout to a trading account: from the partner's wallet, through the platform's balance-operation outbox.
    static func payoutDeposit(_ trading: TradingServices) -> PayoutStore.TradingAccountDeposit {
        { payout, walletOwner in
            guard let key = TradingAccountKey(payout.target), let currency = Currency(code: payout.payoutCurrency) else {
                throw PayoutError.invalid(field: "target", "SERVER:LOGIN of a trading account")
            }
            try await trading.depositFromWallet(reference: "payout:\(payout.id)", serverID: key.server.rawValue, login: key.login,
                                                amount: Money(minorUnits: payout.payoutMinor, currency: currency), walletOwner: walletOwner,
                                                comment: "IB payout \(payout.periodKey)", audit: .system)
        }
    }
}

/// How the web layer behaves in this deployment.
public struct WebSettings: Sendable {
    /// `Secure` on cookies: on behind TLS (serve), off for plain-HTTP demos on localhost.
    public var secureCookies: Bool
    /// Roles that must pass TOTP; empty in the demo, which says so on its pages.
    public var twoFactorRoles: Set<StaffRole>
    public var demo: Bool
    /// Public base URL for links in emails, e.g. https://office.broker.example
    public var publicURL: String
    public var bcryptCost: UInt8

    public init(secureCookies: Bool, twoFactorRoles: Set<StaffRole>, demo: Bool, publicURL: String, bcryptCost: UInt8 = 12) {
        self.secureCookies = secureCookies
        self.twoFactorRoles = twoFactorRoles
        self.demo = demo
        self.publicURL = publicURL
        self.bcryptCost = bcryptCost
    }
}
