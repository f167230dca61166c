import Money

/// One side of a transaction: a signed amount on one account. Positive is a debit,
/// negative a credit; a balanced transaction sums to zero in each currency.
public struct Posting: Hashable, Sendable, Codable {
    public let account: LedgerAccount
    public let amount: Int64

    public init(account: LedgerAccount, amount: Int64) {
        self.account = account
        self.amount = amount
    }

    public var money: Money { Money(minorUnits: amount, currency: account.currency) }
}

/// A balanced set of postings that happens as one: the only way money moves in Pipstack.
///
/// The idempotency key is the transaction's natural identity (a PSP event id, a deal
/// ticket, an API idempotency key): posting the same key twice changes nothing, and
/// reusing a key for different content is refused.
public struct LedgerTransaction: Hashable, Sendable, Codable {
    public let idempotencyKey: String
    public let kind: String
    public let memo: String
    /// When the movement happened (not when it was posted), microseconds UTC.
    public let occurredAt: Int64
    public let postings: [Posting]

    public init(idempotencyKey: String, kind: String, memo: String = "", occurredAt: Int64, postings: [Posting]) {
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.memo = memo
        self.occurredAt = occurredAt
        self.postings = postings
    }

    /// Storage numbers postings `seq * 1024 + leg`.
    public static let maxPostings = 1_024

    /// Checks the invariants every stored transaction satisfies.
    public func validated() throws(LedgerError) -> LedgerTransaction {
        let key = idempotencyKey
        guard !key.isEmpty, key.utf8.count <= 200, key.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw .invalidKey(key)
        }
        guard postings.count >= 2 else { throw .empty(key: key) }
        guard postings.count <= LedgerTransaction.maxPostings else { throw .tooManyPostings(key: key, count: postings.count) }
        var sums: [Currency: Int64] = [:]
        for posting in postings {
            guard posting.amount != 0 else { throw .zeroPosting(key: key, account: posting.account.code) }
            let (sum, overflow) = sums[posting.account.currency, default: 0].addingReportingOverflow(posting.amount)
            if overflow { throw .overflow(key: key) }
            sums[posting.account.currency] = sum
        }
        for (currency, sum) in sums.sorted(by: { $0.key.code < $1.key.code }) where sum != 0 {
            throw .unbalanced(key: key, currency: currency.code, sum: sum)
        }
        return self
    }

    /// A 64-bit fingerprint of the content (FNV-1a over a canonical encoding), stored with
    /// the key so that a replay can be told from a reuse of the key for something else.
    /// `occurredAt` is left out on purpose: a provider that resends an event with a new
    /// timestamp is replaying it, not moving money again.
    /// Not a cryptographic hash: it detects mistakes, the audit chain detects tampering.
    public var fingerprint: Int64 {
        var hasher = FNV1a()
        hasher.add(idempotencyKey); hasher.add(kind); hasher.add(memo)
        for posting in postings {
            hasher.add(posting.account.kind.rawValue)
            hasher.add(posting.account.owner)
            hasher.add(posting.account.currency.code)
            hasher.add(posting.amount)
        }
        return Int64(bitPattern: hasher.value)
    }
}

/// FNV-1a, 64 bit. Small, fast and dependency-free.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ string: String) {
        for byte in string.utf8 { addByte(byte) }
        addByte(0xff)   // separator: "ab","c" differs from "a","bc"
    }
    mutating func add(_ number: Int64) {
        var n = UInt64(bitPattern: number)
        for _ in 0..<8 { addByte(UInt8(truncatingIfNeeded: n)); n >>= 8 }
    }
    private mutating func addByte(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01b3
    }
}
