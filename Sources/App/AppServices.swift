import BrokerCore
import Commissions
import Clients
import Foundation
import Identity
import Ledger
import Logging
import Money
import Partners
import Payments
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
    public let payments: PaymentsServices

    /// Every capability's services, by type (what `Capabilities.all` built).
    public let built: CapabilityServices

    public init(db: Database, clock: any PipstackClock, secretKey: String, brands: [Brand], settings: WebSettings,
                templatesOverride: URL? = nil, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                balanceOperationLeaseSeconds: Int64 = 30, logger: Logger) throws {
        web = try WebServices(db: db, clock: clock, secretKey: secretKey, brands: brands, settings: settings,
                              templatesOverride: templatesOverride, metrics: metrics, logger: logger)
        var built = CapabilityServices(web: web, settings: .init(secretKey: secretKey, balanceOperationLeaseSeconds: balanceOperationLeaseSeconds))
        for capability in Capabilities.all { try capability.build(into: &built) }
        self.built = built
        // Named shortcuts for the CLI and tests; a new capability needs none.
        ledger = try built.get()
        trading = try built.get()
        partners = try built.get()
        commissions = try built.get()
        clientEvents = try built.get()
        payments = try built.get()
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
