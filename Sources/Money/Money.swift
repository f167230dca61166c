/// An exact amount of one currency, held as a signed integer of minor units.
///
/// Arithmetic is checked: overflow throws instead of wrapping, and mixing currencies
/// throws instead of guessing. There is no floating point anywhere in this type.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public let currency: Currency
    public let minorUnits: Int64

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a decimal string such as `"-12.34"` exactly; more decimals than the currency has are refused.
    public init(parsing text: String, currency: Currency) throws {
        let units = try FixedPoint.parse(text, scale: currency.exponent)
        self.init(minorUnits: units, currency: currency)
    }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }

    public func adding(_ other: Money) throws -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw MoneyError.overflow("\(self) + \(other)") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw MoneyError.overflow("\(self) - \(other)") }
        return Money(minorUnits: difference, currency: currency)
    }

    public func negated() throws -> Money {
        guard minorUnits != .min else { throw MoneyError.overflow("-\(self)") }
        return Money(minorUnits: -minorUnits, currency: currency)
    }

    /// The amount in the currency's notation, e.g. `"12.34"` or `"-0.05"`.
    public var decimalString: String { FixedPoint.format(minorUnits, scale: currency.exponent) }

    public var description: String { "\(decimalString) \(currency.code)" }

    private func requireSameCurrency(_ other: Money) throws {
        guard currency == other.currency else {
            throw MoneyError.currencyMismatch(currency.code, other.currency.code)
        }
    }
}
