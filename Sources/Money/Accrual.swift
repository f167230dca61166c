/// An amount in accrual precision: 10^-8 of the currency's major unit.
///
/// Commissions are computed per deal at this precision (a cent-account rebate of
/// $0.0001 is representable) and only turned into payable minor units by
/// `ResidueCarrier`, which keeps what rounding left over for the next settlement.
/// Int64 at 10^-8 holds up to about 92 billion major units.
public struct Accrual: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public static let scale = 8
    public let currency: Currency
    public let units: Int64

    public init(units: Int64, currency: Currency) {
        self.units = units
        self.currency = currency
    }

    public init(_ money: Money) throws {
        let factor = Power10.of(Accrual.scale - money.currency.exponent)
        let (units, overflow) = money.minorUnits.multipliedReportingOverflow(by: factor)
        if overflow { throw MoneyError.overflow("\(money) in accrual units") }
        self.init(units: units, currency: money.currency)
    }

    public init(parsing text: String, currency: Currency) throws {
        self.init(units: try FixedPoint.parse(text, scale: Accrual.scale), currency: currency)
    }

    public func adding(_ other: Accrual) throws -> Accrual {
        guard currency == other.currency else { throw MoneyError.currencyMismatch(currency.code, other.currency.code) }
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        if overflow { throw MoneyError.overflow("\(self) + \(other)") }
        return Accrual(units: sum, currency: currency)
    }

    /// Accrual units per minor unit of this currency.
    public var unitsPerMinor: Int64 { Power10.of(Accrual.scale - currency.exponent) }

    /// Rounds to minor units by `rule`; the remainder (in accrual units) is returned, never dropped.
    public func rounded(_ rule: RoundingRule = .halfEven) -> (money: Money, residue: Accrual) {
        let division = Rounding.divide(units, by: unitsPerMinor, rule: rule)
        return (Money(minorUnits: division.quotient, currency: currency),
                Accrual(units: division.remainder, currency: currency))
    }

    public var description: String { "\(FixedPoint.format(units, scale: Accrual.scale)) \(currency.code)" }

    public static func < (lhs: Accrual, rhs: Accrual) -> Bool { lhs.units < rhs.units }
}

/// Turns a stream of accruals into payable amounts, carrying the rounding residue
/// from one settlement to the next so that, over any sequence, the total paid
/// differs from the total accrued by less than one minor unit.
public struct ResidueCarrier: Sendable, Equatable, Codable {
    public let currency: Currency
    public let rule: RoundingRule
    /// What earlier settlements left unpaid, in accrual units.
    public private(set) var residue: Int64 = 0

    public init(currency: Currency, rule: RoundingRule = .halfEven, residue: Int64 = 0) {
        self.currency = currency
        self.rule = rule
        self.residue = residue
    }

    /// Adds the carried residue to `accrual`, rounds, and keeps the new residue.
    public mutating func settle(_ accrual: Accrual) throws -> Money {
        let carried = try accrual.adding(Accrual(units: residue, currency: currency))
        let (money, left) = carried.rounded(rule)
        residue = left.units
        return money
    }
}
