/// A currency and the number of decimal places of its minor unit (ISO 4217 exponent).
///
/// Amounts are kept as integers of the minor unit, so the exponent is what turns
/// `1234` into `12.34 USD` or `1234 JPY`. Non-ISO units that brokers use (the US cent
/// of cent accounts, stablecoins) are registered the same way with their own exponent.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: String
    public let exponent: Int

    public init(code: String, exponent: Int) {
        self.code = code
        self.exponent = exponent
    }

    /// Looks a code up in the built-in table; nil when unknown.
    public init?(code: String) {
        guard let exponent = Currency.knownExponents[code.uppercased()] else { return nil }
        self.init(code: code.uppercased(), exponent: exponent)
    }

    public var description: String { code }

    /// 10^exponent, the number of minor units in one major unit.
    public var minorUnitsPerMajor: Int64 { Power10.of(exponent) }

    public static let usd = Currency(code: "USD", exponent: 2)
    public static let eur = Currency(code: "EUR", exponent: 2)
    public static let gbp = Currency(code: "GBP", exponent: 2)
    public static let jpy = Currency(code: "JPY", exponent: 0)
    public static let kwd = Currency(code: "KWD", exponent: 3)
    /// US cents as the account currency of cent accounts: one minor unit is 1/100 of a cent.
    public static let usc = Currency(code: "USC", exponent: 2)

    /// ISO 4217 exponents of the currencies brokers meet, plus common non-ISO units.
    public static let knownExponents: [String: Int] = [
        "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "AUD": 2, "NZD": 2, "CAD": 2, "SEK": 2,
        "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2, "TRY": 2, "ZAR": 2,
        "MXN": 2, "BRL": 2, "ARS": 2, "COP": 2, "PEN": 2, "INR": 2, "IDR": 2, "MYR": 2,
        "THB": 2, "PHP": 2, "SGD": 2, "HKD": 2, "CNY": 2, "CNH": 2, "TWD": 2, "AED": 2,
        "SAR": 2, "QAR": 2, "EGP": 2, "NGN": 2, "KES": 2, "GHS": 2, "ILS": 2, "RUB": 2,
        "UAH": 2, "KZT": 2, "PKR": 2, "BDT": 2, "LKR": 2, "MAD": 2,
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
        "PYG": 0, "RWF": 0,
        "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
        "USC": 2, "USDT": 6, "USDC": 6, "BTC": 8, "ETH": 8,
    ]
}

/// Powers of ten as Int64, checked against the range that fits.
public enum Power10 {
    public static func of(_ exponent: Int) -> Int64 {
        precondition(exponent >= 0 && exponent <= 18, "10^\(exponent) does not fit in Int64")
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
