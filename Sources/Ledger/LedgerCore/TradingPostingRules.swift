import BrokerCore
import Money

/// The ledger side of balance operations on trading accounts. A trading account's
/// ledger account mirrors its balance on the server, so each operation moves money
/// between that mirror and the account the money comes from or goes to.
public enum TradingPostingRules {
    /// The ledger account that mirrors a trading account's balance.
    public static func mirror(serverID: ServerID, login: TradingLogin, currency: Currency) -> LedgerAccount {
        LedgerAccount(kind: .tradingAccount, owner: "\(serverID):\(login)", currency: currency)
    }

    /// The counterpart of each kind: the client's wallet for deposits and
    /// withdrawals, the broker's accounts for bonuses, charges and corrections.
    /// Credit is the broker's loan on the server, not client money: no posting.
    public static func counterpart(of kind: BalanceOperation.Kind, walletOwner: String, currency: Currency) -> LedgerAccount? {
        switch kind {
        case .deposit, .withdrawal: LedgerAccount(kind: .clientWallet, owner: walletOwner, currency: currency)
        case .bonus: LedgerAccount(kind: .brokerEquity, owner: "bonuses", currency: currency)
        case .charge: LedgerAccount(kind: .brokerRevenue, owner: "account_charges", currency: currency)
        case .correction: LedgerAccount(kind: .suspense, owner: "trading_corrections", currency: currency)
        case .creditIn, .creditOut: nil
        }
    }

    /// How much the operation adds to the trading account's balance (negative takes away).
    public static func signedAmount(of kind: BalanceOperation.Kind, amount: Int64) -> Int64 {
        switch kind {
        case .deposit, .bonus, .creditIn, .correction: amount
        case .withdrawal, .charge, .creditOut: -amount
        }
    }

    /// The transaction for an operation: `amount` on the trading account (in its
    /// currency) against `counterAmount` on the counterpart (in the wallet's). When
    /// the currencies differ (a cent account funded from a dollar wallet) the
    /// money passes through a conversion account, one leg per currency.
    public static func transaction(key: String, operationID: String, kind: BalanceOperation.Kind, mirror: LedgerAccount,
                                   counterpart: LedgerAccount, amount: Int64, counterAmount: Int64, at time: Int64) -> LedgerTransaction {
        let signed = signedAmount(of: kind, amount: amount)
        let counterSigned = signedAmount(of: kind, amount: counterAmount)
        var postings = [Posting(account: mirror, amount: signed)]
        if mirror.currency == counterpart.currency {
            postings.append(Posting(account: counterpart, amount: -signed))
        } else {
            let owner = "\(counterpart.currency.code)-\(mirror.currency.code)"
            postings += [
                Posting(account: LedgerAccount(kind: .currencyConversion, owner: owner, currency: mirror.currency), amount: -signed),
                Posting(account: LedgerAccount(kind: .currencyConversion, owner: owner, currency: counterpart.currency), amount: counterSigned),
                Posting(account: counterpart, amount: -counterSigned),
            ]
        }
        return LedgerTransaction(idempotencyKey: key, kind: "trading_\(kind.rawValue)", memo: "balance operation \(operationID) on \(mirror.owner)",
                                 occurredAt: time, postings: postings)
    }
}
