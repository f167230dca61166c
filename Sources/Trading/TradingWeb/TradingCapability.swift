import Platform
import Ledger
import Logging
import ServiceLifecycle
import Trading
import WebKit

/// Trading as a capability: servers, deals, accounts and balance operations; the
/// reconciliation and re-sync jobs; each server's deal sync and the dispatcher.
public enum TradingCapability: Capability {
    public static let migrations = TradingSchema.migrations
    public static let pages: [any WebSlice.Type] = [TradingPages.self]

    public static func build(into services: inout CapabilityServices) throws {
        let web = services.web
        try services.add(try TradingServices(db: web.db, ledger: try services.get(), secretKey: services.settings.secretKey, clock: web.clock,
                                             leaseSeconds: services.settings.balanceOperationLeaseSeconds, logger: web.logger))
    }

    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] {
        [TradingPages(services: services.web, trading: try services.get(), ledger: try services.get())]
    }

    public static func jobs(_ services: CapabilityServices) throws -> [String: JobWorker.Handler] {
        let trading: TradingServices = try services.get()
        return [
            Reconciler.jobKind: { _ in try await trading.reconciler.run() },
            DealResync.jobKind: { job in try await trading.resync.run(payload: job.payload) },
        ]
    }

    public static func background(_ services: CapabilityServices, logger: Logger) throws -> [any Service] {
        let trading: TradingServices = try services.get()
        return trading.backgroundServices(db: services.web.db, clock: services.web.clock, logger: logger, health: services.web.health)
    }
}
