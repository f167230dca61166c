import BrokerCore
import Ledger
import Logging
import Money
import Platform
import ServiceLifecycle
import Trading

/// Everything the commission slice offers the web layer and the workers, built once
/// per process (so routes never build their own).
public struct CommissionServices: Sendable {
    public let reports: CommissionReports
    public let simulation: CommissionSimulation
    public let recalculation: CommissionRecalculation
    public let instruments: InstrumentCatalog
    public let tiers: TierSettlement
    public let revenueShare: RevenueShareSettlement
    public let caps: PeriodCapSettlement
    public let cpa: CPASettlement
    public let payouts: PayoutStore
    let db: Database
    let deals: DealStore
    let ledger: LedgerStore
    let clock: any PipstackClock

    /// `deposit` pays a payout into a trading account (the trading slice's balance-operation outbox).
    public init(db: Database, ledger: LedgerStore, deals: DealStore, clock: any PipstackClock, deposit: @escaping PayoutStore.TradingAccountDeposit) {
        self.db = db
        self.deals = deals
        self.ledger = ledger
        self.clock = clock
        reports = CommissionReports(db: db, clock: clock)
        simulation = CommissionSimulation(db: db, clock: clock)
        recalculation = CommissionRecalculation(db: db, deals: deals, clock: clock)
        instruments = InstrumentCatalog(db: db, clock: clock)
        tiers = TierSettlement(db: db, ledger: ledger, clock: clock)
        revenueShare = RevenueShareSettlement(db: db, ledger: ledger, clock: clock)
        caps = PeriodCapSettlement(db: db, ledger: ledger, clock: clock)
        cpa = CPASettlement(db: db, ledger: ledger, clock: clock)
        payouts = PayoutStore(db: db, ledger: ledger, clock: clock, deposit: deposit)
    }

    /// The commission pipeline following the deal feed, and the period-end settlements and payouts.
    public func backgroundServices(logger: Logger, health: PipelineHealth? = nil) throws -> [any Service] {
        [try CommissionPipeline(db: db, deals: deals, ledger: ledger, clock: clock, logger: logger, health: health),
         PeriodEndService(tiers: tiers, revenueShare: revenueShare, caps: caps, cpa: cpa, payouts: payouts, clock: clock, logger: logger, health: health)]
    }
}
