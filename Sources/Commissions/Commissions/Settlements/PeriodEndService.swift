import BrokerCore
import Identity
import Logging
import ServiceLifecycle
import Platform

/// Every minute: decides CPA for referred clients who qualified (or whose window
/// passed), closes the volume tiers, settles the revenue share and applies the caps
/// per period of periods that have ended (so they are in the balance), then runs
/// payouts: creates what schedules make due, pays what needs no approval, and
/// finishes any approved payout a crash interrupted.
public struct PeriodEndService: Service {
    let tiers: TierSettlement
    let revenueShare: RevenueShareSettlement
    let caps: PeriodCapSettlement
    let cpa: CPASettlement
    let payouts: PayoutStore
    let clock: any PipstackClock
    let logger: Logger
    let interval: Duration
    let health: PipelineHealth?

    public init(tiers: TierSettlement, revenueShare: RevenueShareSettlement, caps: PeriodCapSettlement, cpa: CPASettlement, payouts: PayoutStore,
                clock: any PipstackClock, logger: Logger, interval: Duration = .seconds(60), health: PipelineHealth? = nil) {
        self.health = health
        self.cpa = cpa
        self.caps = caps
        self.tiers = tiers
        self.revenueShare = revenueShare
        self.payouts = payouts
        self.clock = clock
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    /// Each step runs on its own: a transient failure of one is logged and the others
    /// still run; a broken invariant stops the service (see `ServiceLoop`).
    func loop() async {
        let loop = ServiceLoop(name: "period-end settlements and payouts", every: interval, health: health, logger: logger)
        await loop.run {
            try await loop.step("deciding CPA") {
                let decided = try await cpa.run(at: clock.nowMicros(), audit: .system)
                if !decided.isEmpty { logger.info("CPA decided", metadata: ["clients": "\(decided.count)"]) }
            }
            try await loop.step("closing volume tiers") {
                let adjustments = try await tiers.run(at: clock.nowMicros(), audit: .system)
                if !adjustments.isEmpty { logger.info("volume tiers closed", metadata: ["adjustments": "\(adjustments.count)"]) }
            }
            try await loop.step("settling revenue share") {
                let settled = try await revenueShare.run(at: clock.nowMicros(), audit: .system)
                if !settled.isEmpty { logger.info("revenue share settled", metadata: ["partners": "\(settled.count)"]) }
            }
            try await loop.step("applying period caps") {
                let capped = try await caps.run(at: clock.nowMicros(), audit: .system).filter { $0.amount != 0 }
                if !capped.isEmpty { logger.info("period caps applied", metadata: ["partners": "\(capped.count)"]) }
            }
            try await loop.step("payouts run") {
                let result = try await payouts.run(at: clock.nowMicros(), audit: .system)
                if !result.created.isEmpty || !result.paid.isEmpty {
                    logger.info("payouts run", metadata: ["created": "\(result.created.count)", "paid": "\(result.paid.count)"])
                }
            }
            return .idle
        }
    }
}
