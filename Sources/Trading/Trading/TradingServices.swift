import BrokerCore
import Identity
import Logging
import ServiceLifecycle
import Platform
import Ledger

/// Everything trading that the web layer and the workers share, built once per process.
public struct TradingServices: Sendable {
    public let servers: TradeServerStore
    public let platforms: PlatformDirectory
    public let provisioning: AccountProvisioning
    public let deals: DealStore
    public let operations: BalanceOperationStore
    public let dispatcher: BalanceOperationDispatcher
    public let reconciler: Reconciler
    public let resync: DealResync

    public var types: AccountTypeStore { provisioning.types }
    public var accounts: TradingAccountStore { provisioning.accounts }

    public init(db: Database, ledger: LedgerStore, secretKey: String, clock: any PipstackClock, leaseSeconds: Int64 = 30, logger: Logger) throws {
        servers = TradeServerStore(db: db, secretBox: SecretBox(secretKey: secretKey), clock: clock)
        platforms = PlatformDirectory(servers: servers, logger: logger)
        provisioning = AccountProvisioning(db: db, servers: servers, platforms: platforms, clock: clock, logger: logger)
        deals = try DealStore(db: db, clock: clock)
        operations = BalanceOperationStore(db: db, clock: clock)
        dispatcher = BalanceOperationDispatcher(store: operations, ledger: ledger, platforms: platforms, clock: clock, logger: logger,
                                                leaseSeconds: leaseSeconds)
        resync = DealResync(servers: servers, deals: deals, logger: logger)
        reconciler = Reconciler(db: db, accounts: provisioning.accounts, operations: operations, ledger: ledger, deals: deals,
                                platforms: platforms, servers: servers, clock: clock, logger: logger)
    }

    /// The deal sync of every server, the balance-operation dispatcher, and the
    /// settling of account creations a crash interrupted.
    public func backgroundServices(db: Database, clock: any PipstackClock, logger: Logger, health: PipelineHealth? = nil) -> [any Service] {
        var dispatcher = dispatcher
        dispatcher.health = health
        return [TradingSyncService(servers: servers, deals: deals, logger: logger, health: health), dispatcher,
                InterruptedCreationSettler(provisioning: provisioning, logger: logger, health: health),
                ReconciliationSchedule(db: db, clock: clock, logger: logger, health: health)]
    }
}

/// Settles interrupted account creations a minute after start and every ten minutes.
struct InterruptedCreationSettler: Service {
    let provisioning: AccountProvisioning
    let logger: Logger
    let health: PipelineHealth?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await ServiceLoop(name: "settling interrupted account creations", every: .seconds(600), startAfter: .seconds(60), health: health,
                              logger: logger).run {
                try await provisioning.settleInterrupted()
                return .idle
            }
        }
    }
}

/// Queues one reconciliation per day (UTC), however many instances run.
struct ReconciliationSchedule: Service {
    let db: Database
    let clock: any PipstackClock
    let logger: Logger
    let health: PipelineHealth?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await ServiceLoop(name: "queueing the daily reconciliation", every: .seconds(3_600), health: health, logger: logger).run {
                let now = clock.nowMicros()
                let day = now / 86_400_000_000
                _ = try await db.transaction { sql in
                    try await JobQueue.enqueue(kind: Reconciler.jobKind, payload: "{}", dedupKey: "reconcile:\(day)",
                                               id: "job_reconcile_\(day)", now: now, on: sql)
                }
                return .idle
            }
        }
    }
}
