/// A recorded exchange rate: one unit of `base` is worth `rate` units of `quote`.
///
/// The rate is fixed point with `ExchangeRate.scale` decimals, so conversions are
/// exact integer arithmetic followed by a single rounding. Rates are recorded with
/// an id and a time by the caller so that every conversion can be replayed.
public struct ExchangeRate: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let scale = 10
    public let base: Currency
    public let quote: Currency
    /// The rate times 10^scale.
    public let scaledRate: Int64

    public init(base: Currency, quote: Currency, scaledRate: Int64) throws {
        guard scaledRate > 0 else { throw MoneyError.invalidRate("\(scaledRate) must be positive") }
        self.base = base
        self.quote = quote
        self.scaledRate = scaledRate
    }

    public init(base: Currency, quote: Currency, parsing text: String) throws {
        let scaled: Int64
        do { scaled = try FixedPoint.parse(text, scale: ExchangeRate.scale) } catch { throw MoneyError.invalidRate(text) }
        try self.init(base: base, quote: quote, scaledRate: scaled)
    }

    /// Converts `amount` (in `base`) into `quote`, rounding once by `rule`.
    /// The unrounded remainder is returned in quote accrual units so callers can carry it.
    public func convert(_ amount: Money, rule: RoundingRule = .halfEven) throws -> (money: Money, residue: Accrual) {
        guard amount.currency == base else { throw MoneyError.rateMismatch(expected: base.code, got: amount.currency.code) }
        // quoteMinor = baseMinor * rate / 10^scale * 10^(quoteExp - baseExp); done in accrual units of quote.
        let numerator = Int128(amount.minorUnits) * Int128(scaledRate) * Int128(Power10.of(Accrual.scale - base.exponent))
        let accrualUnits = Rounding.divide(numerator, by: Int128(Power10.of(ExchangeRate.scale)), rule: rule).quotient
        guard let units = Int64(exactly: accrualUnits) else { throw MoneyError.overflow("\(amount) at \(self)") }
        return Accrual(units: units, currency: quote).rounded(rule)
    }

    public var description: String { "\(base.code)/\(quote.code) \(FixedPoint.format(scaledRate, scale: ExchangeRate.scale))" }
}
