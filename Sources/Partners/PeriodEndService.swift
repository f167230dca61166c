import BrokerCore
import Identity
import Logging
import ServiceLifecycle
import Storage

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

    public init(tiers: TierSettlement, revenueShare: RevenueShareSettlement, caps: PeriodCapSettlement, cpa: CPASettlement, payouts: PayoutStore,
                clock: any PipstackClock, logger: Logger, interval: Duration = .seconds(60)) {
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

    func loop() async {
        while !Task.isCancelled {
            do {
                let decided = try await cpa.run(at: clock.nowMicros(), audit: .system)
                if !decided.isEmpty { logger.info("CPA decided", metadata: ["clients": "\(decided.count)"]) }
            } catch {
                logger.warning("deciding CPA failed", metadata: ["error": "\(error)"])
            }
            do {
                let adjustments = try await tiers.run(at: clock.nowMicros(), audit: .system)
                if !adjustments.isEmpty { logger.info("volume tiers closed", metadata: ["adjustments": "\(adjustments.count)"]) }
            } catch {
                logger.warning("closing volume tiers failed", metadata: ["error": "\(error)"])
            }
            do {
                let settled = try await revenueShare.run(at: clock.nowMicros(), audit: .system)
                if !settled.isEmpty { logger.info("revenue share settled", metadata: ["partners": "\(settled.count)"]) }
            } catch {
                logger.warning("settling revenue share failed", metadata: ["error": "\(error)"])
            }
            do {
                let capped = try await caps.run(at: clock.nowMicros(), audit: .system).filter { $0.amount != 0 }
                if !capped.isEmpty { logger.info("period caps applied", metadata: ["partners": "\(capped.count)"]) }
            } catch {
                logger.warning("applying period caps failed", metadata: ["error": "\(error)"])
            }
            do {
                let result = try await payouts.run(at: clock.nowMicros(), audit: .system)
                if !result.created.isEmpty || !result.paid.isEmpty {
                    logger.info("payouts run", metadata: ["created": "\(result.created.count)", "paid": "\(result.paid.count)"])
                }
            } catch {
                logger.warning("payouts run failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
