/// Turns an amount in one currency into the plan's currency, exactly:
/// amount x numerator / denominator (1.0843 is 10843 / 10000). Recorded with the
/// inputs so that a recomputation uses the same rate.
public struct ConversionRate: Sendable, Equatable, Hashable, Codable {
    public let numerator: Int64
    public let denominator: Int64

    public init(numerator: Int64, denominator: Int64) {
        self.numerator = numerator
        self.denominator = max(1, denominator)
    }

    public static let one = ConversionRate(numerator: 1, denominator: 1)
}

/// Integer arithmetic of the engine: products in 64 bits when they fit (the usual
/// case: volumes in hundredths of a lot, amounts in cents), 128 bits otherwise, and
/// every quotient rounded half-even at accrual precision (10^-8), the engine's one
/// rounding rule. Residues below 10^-8 of a currency unit are the accrual quantum.
enum EngineMath {
    @inline(__always)
    static func halfEven(_ n: Int64, _ d: Int64) -> Int64 {
        let q = n / d
        let r = n - q * d
        if r == 0 { return q }
        let twice = r.magnitude &* 2
        let dm = d.magnitude
        if twice < dm { return q }
        let away = (n < 0) != (d < 0) ? q - 1 : q + 1
        if twice > dm { return away }
        return q & 1 == 0 ? q : away
    }

    /// a x b / c, half-even.
    @inline(__always)
    static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if !overflow { return halfEven(product, c) }
        return wide(Int128(a) * Int128(b), c)
    }

    /// An amount per lot times a volume in 10^-8 lots.
    @inline(__always)
    static func perLot(_ amount: Int64, _ volume: Int64) -> Int64 {
        let (product, overflow) = amount.multipliedReportingOverflow(by: volume)
        if !overflow { return halfEven(product, 100_000_000) }
        return wide(Int128(amount) * Int128(volume), 100_000_000)
    }

    @inline(never)
    static func wide(_ numerator: Int128, _ divisor: Int64) -> Int64 {
        let d = Int128(divisor)
        var q = numerator / d
        let r = numerator - q * d
        if r != 0 {
            let twice = r.magnitude * 2
            let dm = d.magnitude
            let away = (numerator < 0) != (d < 0) ? q - 1 : q + 1
            if twice > dm || (twice == dm && q & 1 != 0) { q = away }
        }
        return Int64(clamping: q)
    }

    @inline(__always)
    static func convert(_ amount: Int64, _ rate: ConversionRate) -> Int64 {
        rate.numerator == rate.denominator ? amount : mulDiv(amount, rate.numerator, rate.denominator)
    }
}
