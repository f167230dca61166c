import Money

/// The standard money movements, built as balanced transactions so callers do not
/// assemble postings by hand.
public enum PostingRules {
    /// A client deposit confirmed by a payment provider: PSP clearing → client wallet.
    public static func deposit(key: String, client: String, provider: String, amount: Money, at time: Int64) -> LedgerTransaction {
        transfer(key: key, kind: "deposit", memo: "deposit via \(provider)",
                 from: LedgerAccount(kind: .pspClearing, owner: provider, currency: amount.currency),
                 to: LedgerAccount(kind: .clientWallet, owner: client, currency: amount.currency),
                 amount: amount.minorUnits, at: time)
    }

    /// A client withdrawal paid out by a provider: client wallet → PSP clearing.
    public static func withdrawal(key: String, client: String, provider: String, amount: Money, at time: Int64) -> LedgerTransaction {
        transfer(key: key, kind: "withdrawal", memo: "withdrawal via \(provider)",
                 from: LedgerAccount(kind: .clientWallet, owner: client, currency: amount.currency),
                 to: LedgerAccount(kind: .pspClearing, owner: provider, currency: amount.currency),
                 amount: amount.minorUnits, at: time)
    }

    /// Money moved between two accounts of the same currency. `to` is debited (its
    /// balance grows), `from` credited.
    public static func transfer(key: String, kind: String, memo: String = "", from: LedgerAccount, to: LedgerAccount, amount: Int64, at time: Int64) -> LedgerTransaction {
        LedgerTransaction(idempotencyKey: key, kind: kind, memo: memo, occurredAt: time, postings: [
            Posting(account: to, amount: amount),
            Posting(account: from, amount: -amount),
        ])
    }
}
