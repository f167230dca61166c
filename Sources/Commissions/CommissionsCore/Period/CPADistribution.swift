/// How a qualified client's CPA goes up the partner tree, by the distribution of the
/// level-1 partner's plan, as per-deal amounts do: `difference` (each level its own
/// plan's CPA for the client less the most a level below got), `per_level` shares of
/// the level-1 amount (the total capped), a pool shared by `capped_ratios` (parts of
/// missing levels unpaid), or `direct`. Amounts in accrual units; parts are rounded
/// cumulatively, so they never add up to more than the whole.
public enum CPADistribution {
    /// - Parameters:
    ///   - amount: the level-1 partner's CPA for the client.
    ///   - own: for each level of the chain (level 1 first), the CPA its own plan gives
    ///     the same client, nil when its plan has none (read by `difference` only).
    public static func split(_ amount: Int64, by distribution: CommissionPlan.Distribution, own: [Int64?]) -> [Int64] {
        let levels = max(1, own.count)
        switch distribution {
        case .direct:
            return [amount] + Array(repeating: 0, count: levels - 1)
        case .difference:
            var paid = amount
            var parts = [amount]
            for level in 1..<levels {
                let mine = own[level] ?? 0
                parts.append(max(0, mine - paid))
                paid = max(paid, mine)
            }
            return parts
        case let .perLevel(shares, cap):
            let ppm = shares.prefix(levels).map { Share($0)?.ppm ?? 0 } + Array(repeating: 0, count: max(0, levels - shares.count))
            let ceiling = cap.flatMap { Share($0) }.map { EngineMath.mulDiv(amount, $0.ppm, Share.whole) } ?? Int64.max
            return cumulative(ppm.map { EngineMath.mulDiv(amount, $0, Share.whole) }, ceiling: ceiling)
        case let .cappedRatios(ratios):
            let total = ratios.reduce(Int64(0)) { $0 + Int64(max(0, $1)) }
            guard total > 0 else { return [amount] + Array(repeating: 0, count: levels - 1) }
            var parts: [Int64] = []
            var before: Int64 = 0, running: Int64 = 0
            for level in 0..<levels {
                running += Int64(max(0, level < ratios.count ? ratios[level] : 0))
                let upTo = EngineMath.mulDiv(amount, running, total)
                parts.append(upTo - before)
                before = upTo
            }
            return parts
        }
    }

    /// Parts capped so that their running total never passes `ceiling`.
    static func cumulative(_ parts: [Int64], ceiling: Int64) -> [Int64] {
        var total: Int64 = 0
        return parts.map { part in
            let next = min(ceiling, total + part)
            defer { total = next }
            return max(0, next - total)
        }
    }
}
