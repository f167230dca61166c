import Foundation
import Money

/// The shapes `/api/v1` accepts, each as a check the routes run and as the JSON Schema
/// pattern the OpenAPI document publishes, so that the two cannot drift apart: what
/// the document allows the server takes, what it forbids the server refuses with 400.
/// Content that has the right shape but breaks a money rule (too many decimals for the
/// currency, a ledger transaction that does not balance) is refused with 422.
package enum APIInput {
    /// A decimal amount: an optional minus, digits, and optional decimals.
    package static let decimalPattern = "^-?[0-9]{1,19}(\\.[0-9]{1,18})?$"
    /// A positive decimal amount, as deposits report it.
    package static let unsignedDecimalPattern = "^[0-9]{1,19}(\\.[0-9]{1,18})?$"
    /// A trading login: a positive number, written without leading zeros.
    package static let loginPattern = "^[1-9][0-9]{0,18}$"
    /// An idempotency key of the ledger: 1 to 200 visible ASCII characters.
    package static let ledgerKeyPattern = "^[!-~]{1,200}$"
    /// A balance operation's id, which its idempotency key becomes.
    package static let operationKeyPattern = "^[A-Za-z0-9_-]{1,28}$"
    /// 1 to 128 visible ASCII characters: ids that others assign.
    package static let externalIDPattern = "^[!-~]{1,128}$"
    /// Who reports a client event.
    package static let sourcePattern = "^[a-z0-9._-]{1,64}$"
    /// ISO 3166 alpha-2, in either case; stored in upper case.
    package static let countryPattern = "^[A-Za-z]{2}$"

    /// Every currency Pipstack knows, as one alternation.
    package static var currencyPattern: String {
        "^(\(Currency.knownExponents.keys.sorted().joined(separator: "|")))$"
    }

    package static func isDecimal(_ text: String, signed: Bool = true) -> Bool {
        var rest = Substring(text)
        if signed, rest.first == "-" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, (1...19).contains(whole.count), whole.allSatisfy(\.isASCIIDigit) else { return false }
        guard parts.count == 2 else { return true }
        return (1...18).contains(parts[1].count) && parts[1].allSatisfy(\.isASCIIDigit)
    }

    package static func isLogin(_ text: String) -> Bool {
        (1...19).contains(text.count) && text.first != "0" && text.allSatisfy(\.isASCIIDigit)
    }

    /// 1 to `maximum` characters from `!` to `~`.
    package static func isVisibleASCII(_ text: String, maximum: Int) -> Bool {
        (1...maximum).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7e).contains($0) }
    }

    package static func isOperationKey(_ text: String) -> Bool {
        (1...28).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || byte == 0x5f || byte == 0x2d
        }
    }

    package static func isSource(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) || byte == 0x2e || byte == 0x5f || byte == 0x2d
        }
    }

    /// A currency code exactly as the document lists it (upper case).
    package static func isCurrencyCode(_ text: String) -> Bool {
        Currency.knownExponents[text] != nil
    }

    /// A ledger account code `kind:owner:CCY` in visible ASCII with an upper-case currency.
    package static func isLedgerAccountCode(_ text: String) -> Bool {
        guard isVisibleASCII(text, maximum: 300), let colon = text.lastIndex(of: ":") else { return false }
        return isCurrencyCode(String(text[text.index(after: colon)...]))
    }

    package static func isCountry(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy { (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
