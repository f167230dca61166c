import Money

/// Balances derived from a sequence of transactions: the reference model that the
/// stored, cached balances are checked against.
public struct Balances: Sendable, Equatable {
    public private(set) var byAccount: [LedgerAccount: Int64] = [:]
    public private(set) var transactionCount = 0

    public init() {}

    public mutating func apply(_ transaction: LedgerTransaction) {
        transactionCount += 1
        for posting in transaction.postings {
            byAccount[posting.account, default: 0] += posting.amount
        }
    }

    public func balance(of account: LedgerAccount) -> Int64 { byAccount[account] ?? 0 }

    /// Sum of all balances per currency; every entry is zero in a sound ledger.
    public var totalsByCurrency: [Currency: Int64] {
        var totals: [Currency: Int64] = [:]
        for (account, amount) in byAccount { totals[account.currency, default: 0] += amount }
        return totals
    }

    public var isBalanced: Bool { totalsByCurrency.values.allSatisfy { $0 == 0 } }
}

/// What posting a transaction did.
public enum PostingOutcome: String, Sendable, Equatable, Codable {
    /// Newly written.
    case posted
    /// The same key and content were posted before: nothing changed.
    case duplicate
    /// The key was posted before with different content: refused, nothing changed.
    case keyConflict = "key_conflict"
}
