/// How a quotient that falls between two integers is resolved.
///
/// Pipstack rounds in exactly one place, `Rounding.divide`, so every rounded
/// amount in the product can be traced to this rule and its remainder.
public enum RoundingRule: String, Sendable, Codable, CaseIterable {
    /// Ties to the even neighbour (banker's rounding): the default, unbiased over many lines.
    case halfEven
    /// Ties away from zero.
    case halfUp
    /// Toward zero (truncation); what "never pay more than accrued" rules use.
    case down
    /// Toward negative infinity.
    case floor
    /// Toward positive infinity.
    case ceiling
}

/// The result of an exact division: `numerator == quotient * divisor + remainder`.
public struct DivisionResult<Value: BinaryInteger & Sendable>: Sendable, Equatable {
    public let quotient: Value
    public let remainder: Value
}

public enum Rounding {
    /// Divides and rounds by `rule`, returning the remainder so the caller can carry it.
    /// The identity `numerator == quotient * divisor + remainder` always holds.
    public static func divide(_ numerator: Int128, by divisor: Int128, rule: RoundingRule = .halfEven) -> DivisionResult<Int128> {
        precondition(divisor != 0, "division by zero")
        var q = numerator / divisor          // truncates toward zero
        let r = numerator - q * divisor
        if r != 0 {
            let positive = (numerator < 0) == (divisor < 0)   // sign of the exact quotient
            let twiceR = r.magnitude * 2
            let d = divisor.magnitude
            let awayFromZero: Bool
            switch rule {
            case .down: awayFromZero = false
            case .floor: awayFromZero = !positive
            case .ceiling: awayFromZero = positive
            case .halfUp: awayFromZero = twiceR >= d
            case .halfEven: awayFromZero = twiceR > d || (twiceR == d && q % 2 != 0)
            }
            if awayFromZero { q += positive ? 1 : -1 }
        }
        return DivisionResult(quotient: q, remainder: numerator - q * divisor)
    }

    /// Convenience over Int64 that fails when the quotient does not fit.
    public static func divide(_ numerator: Int64, by divisor: Int64, rule: RoundingRule = .halfEven) -> DivisionResult<Int64> {
        let result = divide(Int128(numerator), by: Int128(divisor), rule: rule)
        // |quotient| <= |numerator| when |divisor| >= 1, so both fit.
        return DivisionResult(quotient: Int64(result.quotient), remainder: Int64(result.remainder))
    }
}
