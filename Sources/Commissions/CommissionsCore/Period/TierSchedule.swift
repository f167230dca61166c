import Money

/// Rates that depend on the partner's activity in a period (lots, active traders,
/// deposits). `flat` pays the whole measure at the rate of the tier reached;
/// `ladder` pays each slice at its own tier's rate, so a higher rate applies only
/// above its threshold.
public struct TierSchedule: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable { case flat, ladder }

    public struct Tier: Codable, Sendable, Equatable {
        /// Where the tier starts, in the measure's units (10^-8 lots for volume).
        public var from: Int64
        /// Accrual units per measure unit (per lot for volume).
        public var rate: Int64

        public init(from: Int64, rate: Int64) {
            self.from = from
            self.rate = rate
        }
    }

    public var mode: Mode
    /// Ascending by `from`; the first starts at 0.
    public var tiers: [Tier]

    public init(mode: Mode, tiers: [Tier]) {
        self.mode = mode
        self.tiers = tiers.sorted { $0.from < $1.from }
    }

    /// The amount for `measure` (10^-8 units, e.g. lots) reached in the period.
    public func amount(for measure: Int64) -> Int64 {
        guard measure > 0, !tiers.isEmpty else { return 0 }
        switch mode {
        case .flat:
            let reached = tiers.last { $0.from <= measure } ?? tiers[0]
            return EngineMath.perLot(reached.rate, measure)
        case .ladder:
            var total: Int64 = 0
            for (index, tier) in tiers.enumerated() where tier.from < measure {
                let upper = index + 1 < tiers.count ? min(measure, tiers[index + 1].from) : measure
                total += EngineMath.perLot(tier.rate, upper - tier.from)
            }
            return total
        }
    }

    /// What a period-end job posts for a period: the schedule's amount less what
    /// was already paid in real time at the base rate.
    public func adjustment(for measure: Int64, alreadyPaid: Int64) -> Int64 {
        amount(for: measure) - alreadyPaid
    }
}
