import BrokerCore
import Foundation
import Identity
import Logging
import Prometheus
import Storage
import Partners
import TradingPlatforms

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
    public let brandStore: BrandStore
    public let localization: Localization
    public let templates: Templates
    public let throttle: LoginThrottle
    public let metrics: PrometheusCollectorRegistry
    public let settings: WebSettings
    public let logger: Logger

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
        brandStore = BrandStore(db: db)
        self.brands = BrandCatalog(brands: brands, store: brandStore, clock: clock)
        localization = try Localization(folder: WebResources.strings)
        templates = try Templates(shippedFolder: WebResources.templates, overridesFolder: templatesOverride)
        throttle = LoginThrottle(clock: clock)
        self.metrics = metrics
        self.settings = settings
        self.logger = logger
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
