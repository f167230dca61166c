import BrokerCore

/// Why a ledger transaction was refused. Messages name the transaction's key.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty(key: String)
    case tooManyPostings(key: String, count: Int)
    case unbalanced(key: String, currency: String, sum: Int64)
    case zeroPosting(key: String, account: String)
    case currencyMismatch(key: String, account: String, amountCurrency: String)
    case invalidKey(String)
    case invalidAccountCode(String)
    case overflow(key: String)
    /// The key was used before for a transaction with different content.
    case keyReused(key: String)

    public var description: String {
        switch self {
        case let .empty(key): "transaction \(key) needs at least two postings"
        case let .tooManyPostings(key, count): "transaction \(key) has \(count) postings; at most \(LedgerTransaction.maxPostings) are allowed"
        case let .unbalanced(key, currency, sum): "transaction \(key) does not balance in \(currency): postings sum to \(sum) minor units"
        case let .zeroPosting(key, account): "transaction \(key) posts zero to \(account)"
        case let .currencyMismatch(key, account, amountCurrency): "transaction \(key) posts \(amountCurrency) to \(account)"
        case let .invalidKey(key): "idempotency key must be 1-200 printable characters: \(key.prefix(40))"
        case let .invalidAccountCode(code): "not a ledger account code (kind:owner:CCY): \(code)"
        case let .overflow(key): "transaction \(key) overflows"
        case let .keyReused(key): "idempotency key \(key) was already used for a different transaction"
        }
    }
}

/// A pipeline that builds a transaction the ledger refuses would build the same one
/// again on every retry: it stops instead.
extension LedgerError: StopsPipeline {
    public var stopsPipeline: Bool { true }
}

extension LedgerError: RejectsInput {}
