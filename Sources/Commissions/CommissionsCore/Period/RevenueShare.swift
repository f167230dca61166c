/// Revenue share: a percentage of the broker's net revenue from a partner's
/// clients per period. A negative period pays nothing and its loss is carried
/// into the next (optionally only down to a floor, or reset after some periods).
public struct RevenueShare: Codable, Sendable, Equatable {
    public var share: Int64                // ppm
    /// The most negative carry kept (minor units, <= 0); nil keeps it all.
    public var carryFloor: Int64?
    /// Forget the carry after this many periods in a row with a loss carried; nil never.
    public var resetAfterPeriods: Int?

    public init(share: Int64, carryFloor: Int64? = nil, resetAfterPeriods: Int? = nil) {
        self.share = share
        self.carryFloor = carryFloor
        self.resetAfterPeriods = resetAfterPeriods
    }

    /// The broker's net revenue in a period: what clients lost, commissions, spread
    /// and swaps earned, less the bonuses given (all minor units).
    public static func net(clientLosses: Int64, commissions: Int64, spread: Int64, swaps: Int64, bonuses: Int64) -> Int64 {
        clientLosses + commissions + spread + swaps - bonuses
    }

    public struct Settlement: Sendable, Equatable {
        public let payout: Int64
        public let carryOut: Int64
        public let periodsCarried: Int

        public init(payout: Int64, carryOut: Int64, periodsCarried: Int) {
            self.payout = payout
            self.carryOut = carryOut
            self.periodsCarried = periodsCarried
        }
    }

    /// One period: `net` plus the carried loss; pays `share` of a positive result.
    public func settle(net: Int64, carryIn: Int64, periodsCarried: Int) -> Settlement {
        var carry = carryIn
        var carried = periodsCarried
        if let reset = resetAfterPeriods, carried >= reset {
            carry = 0
            carried = 0
        }
        let base = net + carry
        if base >= 0 {
            return Settlement(payout: EngineMath.mulDiv(base, share, Share.whole), carryOut: 0, periodsCarried: 0)
        }
        return Settlement(payout: 0, carryOut: max(base, carryFloor ?? Int64.min), periodsCarried: carried + 1)
    }
}
