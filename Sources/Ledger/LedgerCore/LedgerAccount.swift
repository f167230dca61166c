import BrokerCore
import Money

/// What a ledger account stands for. The kind fixes the account's meaning in reports
/// and reconciliation; the owner and currency make it unique.
public enum LedgerAccountKind: String, Sendable, Codable, CaseIterable {
    /// A client's money held by the broker outside any trading account.
    case clientWallet = "client_wallet"
    /// Mirror of a trading account's balance on the trade server.
    case tradingAccount = "trading_account"
    /// Money in transit at a payment provider.
    case pspClearing = "psp_clearing"
    /// Commission owed to an introducing broker, not yet paid out.
    case ibCommissionPayable = "ib_commission_payable"
    /// The broker's earned revenue.
    case brokerRevenue = "broker_revenue"
    /// Fees charged by or to third parties.
    case fees
    /// Money whose owner is not yet known; must be cleared by staff.
    case suspense
    /// The broker's own funds, the counterpart of money the broker injects.
    case brokerEquity = "broker_equity"
    /// One leg of a conversion between currencies (or a currency and its cent
    /// units); the two legs of one conversion share the owner.
    case currencyConversion = "fx_conversion"
}

/// A ledger account, addressed by a stable code `kind:owner:CCY`.
public struct LedgerAccount: Hashable, Sendable, Codable, CustomStringConvertible {
    public let kind: LedgerAccountKind
    public let owner: String
    public let currency: Currency

    public init(kind: LedgerAccountKind, owner: String, currency: Currency) {
        self.kind = kind
        self.owner = owner
        self.currency = currency
    }

    /// An account whose owner has a typed id (a partner, a user): the code holds its text.
    public init<Tag>(kind: LedgerAccountKind, owner: Identifier<Tag>, currency: Currency) {
        self.init(kind: kind, owner: owner.rawValue, currency: currency)
    }

    public var code: String { "\(kind.rawValue):\(owner):\(currency.code)" }
    public var description: String { code }

    /// Parses a code produced by `code`; owners may contain `:`.
    public init(code: String) throws(LedgerError) {
        let parts = code.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3,
              let kind = LedgerAccountKind(rawValue: String(parts[0])),
              let currency = Currency(code: String(parts[parts.count - 1]))
        else { throw .invalidAccountCode(code) }
        let owner = parts[1..<(parts.count - 1)].joined(separator: ":")
        guard !owner.isEmpty else { throw .invalidAccountCode(code) }
        self.init(kind: kind, owner: owner, currency: currency)
    }
}
