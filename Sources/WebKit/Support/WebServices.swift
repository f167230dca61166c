import BrokerCore
import Foundation
import Identity
import Logging
import Platform
import Prometheus

/// What every slice's pages share: who is asking (sessions, users, API keys), which
/// brand and language, how pages are rendered, and the platform's health and jobs.
/// Built once by the composition root (`App`); each slice's web module takes this
/// and its own slice's services, nothing more.
public struct WebServices: Sendable {
    public let db: Database
    public let clock: any PipstackClock
    public let identity: IdentityService
    public let sessions: SessionStore
    public let resets: PasswordResets
    public let invitations: Invitations
    public let userAdmin: UserAdministration
    public let apiKeys: ApiKeys
    public let jobs: JobQueue
    public let brands: BrandCatalog
    public let brandStore: BrandStore
    public let localization: Localization
    public let templates: Templates
    /// Number, money and time formats per language, built once.
    package let formats: PageFormats
    public let throttle: LoginThrottle
    public let metrics: PrometheusCollectorRegistry
    public let settings: WebSettings
    public let logger: Logger
    /// Background pipelines that stopped on an error retrying cannot fix (`/readyz`, the back-office home).
    public let health: PipelineHealth

    public init(db: Database, clock: any PipstackClock, secretKey: String, brands: [Brand], settings: WebSettings,
                templatesOverride: URL?, metrics: PrometheusCollectorRegistry, logger: Logger) throws {
        self.db = db
        self.clock = clock
        identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: secretKey), bcryptCost: settings.bcryptCost,
                                   policy: LoginPolicy(twoFactorRoles: settings.twoFactorRoles))
        sessions = SessionStore(db: db, clock: clock)
        resets = PasswordResets(identity: identity)
        invitations = Invitations(identity: identity)
        userAdmin = UserAdministration(identity: identity)
        apiKeys = ApiKeys(db: db, clock: clock)
        jobs = JobQueue(db: db, clock: clock)
        brandStore = BrandStore(db: db)
        self.brands = BrandCatalog(brands: brands, store: brandStore, clock: clock)
        localization = try Localization(folder: WebResources.strings)
        formats = PageFormats()
        templates = try Templates(shippedFolder: WebResources.templates, overridesFolder: templatesOverride)
        throttle = LoginThrottle(clock: clock)
        self.metrics = metrics
        self.settings = settings
        self.logger = logger
        health = PipelineHealth()
    }
}

/// How the web layer behaves in this deployment.
public struct WebSettings: Sendable {
    /// Who may read `/metrics`.
    public enum MetricsAccess: Sendable, Equatable {
        /// Anyone who reaches the port (the demo on localhost).
        case open
        /// Only a scraper sending `Authorization: Bearer <token>`.
        case token(String)
        /// Nobody: `/metrics` answers 404.
        case off
    }

    /// `Secure` on cookies: on behind TLS (serve), off for plain-HTTP demos on localhost.
    public var secureCookies: Bool
    /// Roles that must pass TOTP; empty in the demo, which says so on its pages.
    public var twoFactorRoles: Set<StaffRole>
    public var demo: Bool
    /// Public base URL for links in emails, e.g. https://office.broker.example
    public var publicURL: String
    public var bcryptCost: UInt8
    public var metrics: MetricsAccess
    /// `Strict-Transport-Security` on every response: browsers then never use plain HTTP.
    public var hsts: Bool

    public init(secureCookies: Bool, twoFactorRoles: Set<StaffRole>, demo: Bool, publicURL: String, bcryptCost: UInt8 = 12,
                metrics: MetricsAccess = .open, hsts: Bool = false) {
        self.secureCookies = secureCookies
        self.twoFactorRoles = twoFactorRoles
        self.demo = demo
        self.publicURL = publicURL
        self.bcryptCost = bcryptCost
        self.metrics = metrics
        self.hsts = hsts
    }
}
