import Money

/// An account number on one trade server (MT5 "Login"). Logins are unique per
/// server, not across servers: Pipstack always pairs one with its server.
public struct TradingLogin: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public init?(_ text: String) {
        guard let value = UInt64(text), value > 0 else { return nil }
        self.value = value
    }

    public var description: String { String(value) }
    public static func < (lhs: TradingLogin, rhs: TradingLogin) -> Bool { lhs.value < rhs.value }
}

/// An exact decimal with 8 places, for amounts a trade server reports in an
/// account's currency before Pipstack knows which currency that is (a deal's
/// profit, an account's equity). `Accrual` is the same scale with its currency.
public struct PlatformAmount: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public static let scale = 8
    public let units: Int64

    public init(units: Int64) { self.units = units }
    public static let zero = PlatformAmount(units: 0)

    public var description: String { FixedPoint.format(units, scale: Self.scale) }
    public static func < (lhs: PlatformAmount, rhs: PlatformAmount) -> Bool { lhs.units < rhs.units }
}

/// A price as a trade server quotes it: an integer number of points and the
/// symbol's digits (1.08345 is 108345 at 5 digits).
public struct Price: Hashable, Sendable, Codable, CustomStringConvertible {
    public let points: Int64
    public let digits: Int

    public init(points: Int64, digits: Int) {
        self.points = points
        self.digits = digits
    }

    public var description: String { FixedPoint.format(points, scale: digits) }
}

extension PlatformAmount {
    /// The same amount in a currency's minor units (8 ≥ exponent), exactly.
    public init(_ money: Money) throws(MoneyError) {
        let (units, overflow) = money.minorUnits.multipliedReportingOverflow(by: Power10.of(Self.scale - money.currency.exponent))
        if overflow { throw .overflow("\(money) in platform units") }
        self.init(units: units)
    }

    /// The amount in `currency`'s minor units, or nil when it has finer digits.
    public func money(in currency: Currency) -> Money? {
        let factor = Power10.of(Self.scale - currency.exponent)
        guard units % factor == 0 else { return nil }
        return Money(minorUnits: units / factor, currency: currency)
    }

    /// The amount in `currency`'s minor units, rounded half to even: how pages show a
    /// server figure (margin, equity, profit) that has finer digits than the currency.
    public func rounded(in currency: Currency) -> Money {
        Money(minorUnits: Rounding.divide(units, by: Power10.of(Self.scale - currency.exponent), rule: .halfEven).quotient, currency: currency)
    }
}
