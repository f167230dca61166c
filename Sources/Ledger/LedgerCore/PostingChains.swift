/// Where an account's history ends: its balance and its newest posting (0 before
/// the first one).
public struct AccountHead: Sendable, Equatable {
    public var balance: Int64
    public var lastPostingID: Int64

    public init(balance: Int64 = 0, lastPostingID: Int64 = 0) {
        self.balance = balance
        self.lastPostingID = lastPostingID
    }
}

/// A posting as the ledger stores it: linked to the previous posting on the same
/// account and carrying the account's balance after it.
///
/// The link replaces a random-access index on (account, posting): a writer appends
/// postings in id order at the cost of two integers, and an account's statement is
/// read newest first by following the links, with the running balance already there.
public struct ChainedPosting: Sendable, Equatable {
    public let id: Int64
    public let accountID: Int64
    public let amount: Int64
    public let balanceAfter: Int64
    /// The account's posting before this one, 0 for its first.
    public let previousID: Int64

    public init(id: Int64, accountID: Int64, amount: Int64, balanceAfter: Int64, previousID: Int64) {
        self.id = id
        self.accountID = accountID
        self.amount = amount
        self.balanceAfter = balanceAfter
        self.previousID = previousID
    }
}

/// Extends account chains posting by posting, from each account's head.
///
/// Both ledger writers use it, so the running balance and the links are computed by
/// one piece of code. Overflow is refused rather than trapped: amounts come from
/// outside.
public struct PostingChains: Sendable {
    public private(set) var heads: [Int64: AccountHead]

    public init(heads: [Int64: AccountHead]) {
        self.heads = heads
    }

    /// Appends one posting to its account's chain. Ids must increase per account.
    public mutating func append(id: Int64, accountID: Int64, amount: Int64, key: String) throws -> ChainedPosting {
        try Self.extend(&heads[accountID, default: AccountHead()], id: id, accountID: accountID, amount: amount, key: key)
    }

    private static func extend(_ head: inout AccountHead, id: Int64, accountID: Int64, amount: Int64, key: String) throws -> ChainedPosting {
        let (balance, overflow) = head.balance.addingReportingOverflow(amount)
        guard !overflow else { throw LedgerError.overflow(key: key) }
        let previousID = head.lastPostingID
        head = AccountHead(balance: balance, lastPostingID: id)
        return ChainedPosting(id: id, accountID: accountID, amount: amount, balanceAfter: balance, previousID: previousID)
    }
}
