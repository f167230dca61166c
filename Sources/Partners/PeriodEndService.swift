import BrokerCore
import Identity
import Logging
import ServiceLifecycle
import Storage

/// Every few minutes: closes the volume tiers of periods that have ended (so their
/// adjustments are in the balance), then runs payouts: creates what schedules make
/// due, pays what needs no approval, and finishes any approved payout a crash interrupted.
public struct PeriodEndService: Service {
    let tiers: TierSettlement
    let payouts: PayoutStore
    let clock: any PipstackClock
    let logger: Logger
    let interval: Duration

    public init(tiers: TierSettlement, payouts: PayoutStore, clock: any PipstackClock, logger: Logger, interval: Duration = .seconds(600)) {
        self.tiers = tiers
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
                let adjustments = try await tiers.run(at: clock.nowMicros(), audit: .system)
                if !adjustments.isEmpty { logger.info("volume tiers closed", metadata: ["adjustments": "\(adjustments.count)"]) }
            } catch {
                logger.warning("closing volume tiers failed", metadata: ["error": "\(error)"])
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
