/// Why a money operation was refused. Every case says what to fix.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case currencyMismatch(String, String)
    case overflow(String)
    case invalidAmount(String)
    case unknownCurrency(String)
    case rateMismatch(expected: String, got: String)
    case invalidRate(String)

    public var description: String {
        switch self {
        case let .currencyMismatch(a, b): return "cannot combine \(a) with \(b)"
        case let .overflow(what): return "amount out of range: \(what)"
        case let .invalidAmount(text): return "not a valid amount: \(text)"
        case let .unknownCurrency(code): return "unknown currency: \(code)"
        case let .rateMismatch(expected, got): return "rate converts from \(expected), amount is in \(got)"
        case let .invalidRate(text): return "not a valid exchange rate: \(text)"
        }
    }
}
