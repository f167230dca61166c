import BrokerCore
import Money
import Platform
import WebKit

/// How trading numbers read on pages: amounts in the account's currency rounded to
/// its minor units (the server keeps 8 decimals), volumes in lots, prices with the
/// symbol's digits, and deal actions, entries and refusals by catalogue key.
enum TradingFormat {
    /// A server amount as money in `currencyCode`, rounded half to even to its minor units.
    static func money(_ amount: PlatformAmount, _ currencyCode: String) -> Money? {
        Currency(code: currencyCode).map { amount.rounded(in: $0) }
    }

    /// Lots as the API writes them: without trailing zeros.
    static func lotsText(_ volume: Volume) -> String { FixedPoint.format(volume.units, scale: 8, minimumDecimals: 0) }

    static func lots(_ volume: Volume) -> PageCell { .number(volume.units, scale: 8, minimumDecimals: 2) }

    static func price(_ price: Price) -> PageCell { .number(price.points, scale: price.digits, minimumDecimals: price.digits) }

    static func leverage(_ value: Int) -> String { "1:\(value)" }

    /// Why the trade server or Pipstack refused an operation, as a reader's sentence:
    /// the stored error is the server's, kept for staff in the audit trail.
    static func refusalKey(_ error: String) -> String {
        if error.contains("10019") || error.localizedCaseInsensitiveContains("no money") { return "refusal_no_money" }
        if error.localizedCaseInsensitiveContains("wallet holds less") { return "refusal_wallet_short" }
        if error.contains("10018") || error.localizedCaseInsensitiveContains("market closed") { return "refusal_market_closed" }
        return "refusal_other"
    }
}
