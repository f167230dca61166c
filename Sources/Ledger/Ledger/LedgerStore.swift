import BrokerCore
import LedgerCore
import Money
import SQLKit
import Platform

/// Durable, exactly-once posting of ledger transactions, one database transaction per batch.
///
/// Each backend does set-based work inside a batch (SQLite through persistent C-API
/// statements, PostgreSQL through `unnest`), because posting row by row is two orders
/// of magnitude slower. Reads go through SQLKit and are shared.
public protocol LedgerWriter: Sendable {
    /// Posts `batch` atomically: either every new transaction and its postings and
    /// balance updates are committed, or none. Replayed keys are `duplicate`, reused
    /// keys with other content `keyConflict`; neither changes anything.
    ///
    /// `audit` maps idempotency keys to the audit entry of the action that posts
    /// them: it is appended, in the same database transaction, for each of those
    /// transactions that is newly posted.
    func post(_ batch: [LedgerTransaction], audit: [String: AuditEntry]) async throws -> [PostingOutcome]
}

/// The ledger as the rest of Pipstack sees it.
public struct LedgerStore: Sendable {
    public let db: Database
    public let writer: any LedgerWriter

    public init(db: Database, clock: any PipstackClock = SystemClock()) throws {
        self.db = db
        writer = try db.bulk(sqlite: { try SQLiteLedgerWriter(path: $0, clock: clock) }, postgres: { PostgresLedgerWriter(client: $0, clock: clock, logger: $1) })
    }

    /// Validates every transaction, then posts them as one batch.
    public func post(_ batch: [LedgerTransaction]) async throws -> [PostingOutcome] {
        let valid = try batch.map { try $0.validated() }
        return try await writer.post(valid, audit: [:])
    }

    /// Posts one transaction; when it is newly posted, `audit` is appended to the
    /// audit trail in the same database transaction, so neither exists without the other.
    public func post(_ transaction: LedgerTransaction, audit: AuditEntry? = nil) async throws -> PostingOutcome {
        let valid = try transaction.validated()
        return try await writer.post([valid], audit: audit.map { [transaction.idempotencyKey: $0] } ?? [:])[0]
    }

    /// Whether a transaction with this idempotency key has been posted.
    public func isPosted(_ key: String) async throws -> Bool {
        try await db.read { sql in
            try await sql.raw("SELECT seq FROM ledger_transactions WHERE idempotency_key = \(bind: key)").first() != nil
        }
    }

    /// The cached balance of one account (0 when it has never been posted to).
    public func balance(of account: LedgerAccount) async throws -> Int64 {
        try await db.read { sql in
            let row = try await sql.raw("""
                SELECT b.balance FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
                WHERE a.code = \(bind: account.code)
                """).first()
            return try row?.decode(column: "balance", as: Int64.self) ?? 0
        }
    }

    /// One owner's accounts of one kind (one per currency) with their cached balances:
    /// one exact look-up of the code index per known currency, not a scan of every account.
    public func accounts(of kind: LedgerAccountKind, owner: String) async throws -> [LedgerAccountBalance] {
        let codes = Currency.knownExponents.keys.sorted().map { LedgerAccount(kind: kind, owner: owner, currency: Currency(code: $0) ?? .usd).code }
        return try await db.read { sql in
            try await sql.raw("""
                SELECT a.code, COALESCE(b.balance, 0) AS balance FROM ledger_accounts a
                LEFT JOIN ledger_balances b ON b.account_id = a.id WHERE a.code IN (\(binds: codes)) ORDER BY a.code
                """).all().map { row in
                LedgerAccountBalance(code: try row.decode(column: "code", as: String.self), balance: try row.decode(column: "balance", as: Int64.self))
            }
        }
    }

    /// Every account with its cached balance, ordered by code.
    public func accounts() async throws -> [LedgerAccountBalance] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT a.code, COALESCE(b.balance, 0) AS balance FROM ledger_accounts a
                LEFT JOIN ledger_balances b ON b.account_id = a.id ORDER BY a.code
                """).all().map { row in
                    LedgerAccountBalance(code: try row.decode(column: "code", as: String.self),
                                         balance: try row.decode(column: "balance", as: Int64.self))
                }
        }
    }

    /// Recent transactions, newest first.
    public func recentTransactions(limit: Int = 50) async throws -> [StoredTransaction] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT seq, idempotency_key, kind, memo, occurred_at, posted_at FROM ledger_transactions
                ORDER BY seq DESC LIMIT \(bind: limit)
                """).all().map { row in
                    StoredTransaction(seq: try row.decode(column: "seq", as: Int64.self),
                                      idempotencyKey: try row.decode(column: "idempotency_key", as: String.self),
                                      kind: try row.decode(column: "kind", as: String.self),
                                      memo: try row.decode(column: "memo", as: String.self),
                                      occurredAt: try row.decode(column: "occurred_at", as: Int64.self),
                                      postedAt: try row.decode(column: "posted_at", as: Int64.self))
                }
        }
    }

    /// One account's postings, newest first, with the balance after each: the page
    /// of at most `limit` postings older than posting `before` (the newest page when
    /// nil). Reads follow the account's posting chain from its head, so a page costs
    /// `limit` primary-key lookups however long the history is.
    public func statement(of account: LedgerAccount, before: Int64? = nil, limit: Int = 50) async throws -> AccountStatement {
        let limit = max(1, min(limit, 1_000))
        return try await db.read { sql in
            let head = try await sql.raw("""
                SELECT a.id, COALESCE(b.balance, 0) AS balance, COALESCE(b.last_posting_id, 0) AS last_posting_id
                FROM ledger_accounts a LEFT JOIN ledger_balances b ON b.account_id = a.id WHERE a.code = \(bind: account.code)
                """).first()
            guard let head else { return AccountStatement(account: account.code, balance: 0, postings: [], nextBefore: nil) }
            let accountID = try head.decode(column: "id", as: Int64.self)
            let balance = try head.decode(column: "balance", as: Int64.self)
            var start = try head.decode(column: "last_posting_id", as: Int64.self)
            if let before {
                let row = try await sql.raw("""
                    SELECT prev_id FROM ledger_postings WHERE id = \(bind: before) AND account_id = \(bind: accountID)
                    """).first()
                guard let row else { throw StorageError.notFound("posting \(before) on \(account.code)") }
                start = try row.decode(column: "prev_id", as: Int64.self)
            }
            guard start != 0 else { return AccountStatement(account: account.code, balance: balance, postings: [], nextBefore: nil) }
            let rows = try await sql.raw("""
                WITH RECURSIVE chain(id, depth) AS (
                    SELECT CAST(\(bind: start) AS BIGINT), 1
                    UNION ALL
                    SELECT p.prev_id, c.depth + 1 FROM ledger_postings p JOIN chain c ON p.id = c.id
                    WHERE p.prev_id <> 0 AND c.depth < \(bind: limit)
                )
                SELECT p.id, p.amount, p.balance_after, t.seq, t.idempotency_key, t.kind, t.memo, t.occurred_at, t.posted_at
                FROM chain c JOIN ledger_postings p ON p.id = c.id JOIN ledger_transactions t ON t.seq = p.tx_seq
                WHERE p.account_id = \(bind: accountID)
                ORDER BY c.depth
                """).all()
            let postings = try rows.map { row in
                AccountPosting(id: try row.decode(column: "id", as: Int64.self),
                               amount: try row.decode(column: "amount", as: Int64.self),
                               balanceAfter: try row.decode(column: "balance_after", as: Int64.self),
                               transactionSeq: try row.decode(column: "seq", as: Int64.self),
                               idempotencyKey: try row.decode(column: "idempotency_key", as: String.self),
                               kind: try row.decode(column: "kind", as: String.self),
                               memo: try row.decode(column: "memo", as: String.self),
                               occurredAt: try row.decode(column: "occurred_at", as: Int64.self),
                               postedAt: try row.decode(column: "posted_at", as: Int64.self))
            }
            var more = false
            if postings.count == limit, let last = postings.last {
                let row = try await sql.raw("SELECT prev_id FROM ledger_postings WHERE id = \(bind: last.id)").first()
                more = try (row?.decode(column: "prev_id", as: Int64.self) ?? 0) != 0
            }
            return AccountStatement(account: account.code, balance: balance, postings: postings, nextBefore: more ? postings.last?.id : nil)
        }
    }

    /// Transaction and posting counts and the sum of cached balances per currency:
    /// cheap enough for every page view, unlike `verify`.
    public func summary() async throws -> LedgerSummary {
        try await db.read { sql in
            let counts = try await sql.raw("""
                SELECT (SELECT COUNT(*) FROM ledger_transactions) AS txs, (SELECT COUNT(*) FROM ledger_postings) AS postings
                """).first()
            let totals = try await sql.raw("""
                SELECT a.currency, CAST(SUM(b.balance) AS BIGINT) AS total FROM ledger_balances b
                JOIN ledger_accounts a ON a.id = b.account_id GROUP BY a.currency ORDER BY a.currency
                """).all()
            var byCurrency: [String: Int64] = [:]
            for row in totals { byCurrency[try row.decode(column: "currency", as: String.self)] = try row.decode(column: "total", as: Int64.self) }
            return LedgerSummary(transactions: try counts?.decode(column: "txs", as: Int64.self) ?? 0,
                                 postings: try counts?.decode(column: "postings", as: Int64.self) ?? 0,
                                 cachedTotalsByCurrency: byCurrency)
        }
    }

    /// Recomputes every balance from the postings and compares with the cache and with zero.
    public func verify() async throws -> LedgerIntegrity {
        try await db.read { sql in
            let perCurrency = try await sql.raw("""
                SELECT a.currency, CAST(SUM(p.amount) AS BIGINT) AS total FROM ledger_postings p
                JOIN ledger_accounts a ON a.id = p.account_id GROUP BY a.currency
                """).all()
            var unbalanced: [String: Int64] = [:]
            for row in perCurrency {
                let total = try row.decode(column: "total", as: Int64.self)
                if total != 0 { unbalanced[try row.decode(column: "currency", as: String.self)] = total }
            }
            let mismatched = try await sql.raw("""
                SELECT a.code FROM ledger_accounts a
                LEFT JOIN ledger_balances b ON b.account_id = a.id
                LEFT JOIN (SELECT account_id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_postings GROUP BY account_id) p
                  ON p.account_id = a.id
                WHERE COALESCE(b.balance, 0) <> COALESCE(p.total, 0)
                """).all().map { try $0.decode(column: "code", as: String.self) }
            let counts = try await sql.raw("""
                SELECT (SELECT COUNT(*) FROM ledger_transactions) AS txs, (SELECT COUNT(*) FROM ledger_postings) AS postings
                """).first()
            let orphans = try await sql.raw("""
                SELECT COUNT(*) AS n FROM ledger_transactions t
                WHERE (SELECT COUNT(*) FROM ledger_postings p WHERE p.id BETWEEN t.seq * 1024 AND t.seq * 1024 + 1023) < 2
                """).first()
            // Each posting's running balance continues its predecessor's on the same
            // account; no two postings share a predecessor, no account has two first
            // postings, and every balance row names the head of its chain.
            let broken = try await sql.raw("""
                SELECT
                  (SELECT COUNT(*) FROM ledger_postings p LEFT JOIN ledger_postings q ON q.id = p.prev_id
                   WHERE (p.prev_id = 0 AND p.balance_after <> p.amount)
                      OR (p.prev_id <> 0 AND (q.id IS NULL OR q.account_id <> p.account_id OR q.id >= p.id
                                              OR p.balance_after <> q.balance_after + p.amount)))
                + (SELECT COUNT(*) FROM (SELECT prev_id FROM ledger_postings GROUP BY prev_id, account_id HAVING COUNT(*) > 1) AS forks)
                + (SELECT COUNT(*) FROM ledger_balances b LEFT JOIN ledger_postings p ON p.id = b.last_posting_id
                   WHERE (b.last_posting_id = 0 AND b.balance <> 0)
                      OR (b.last_posting_id <> 0 AND (p.id IS NULL OR p.account_id <> b.account_id OR p.balance_after <> b.balance))) AS n
                """).first()
            return LedgerIntegrity(
                transactions: try counts?.decode(column: "txs", as: Int64.self) ?? 0,
                postings: try counts?.decode(column: "postings", as: Int64.self) ?? 0,
                unbalancedCurrencies: unbalanced,
                balanceCacheMismatches: mismatched,
                transactionsWithoutPostings: try orphans?.decode(column: "n", as: Int64.self) ?? 0,
                brokenChainLinks: try broken?.decode(column: "n", as: Int64.self) ?? 0)
        }
    }
}

public struct LedgerAccountBalance: Sendable, Equatable, Codable {
    public let code: String
    public let balance: Int64
}

public struct StoredTransaction: Sendable, Equatable, Codable {
    public let seq: Int64
    public let idempotencyKey: String
    public let kind: String
    public let memo: String
    public let occurredAt: Int64
    public let postedAt: Int64
}

/// What `LedgerStore.verify` found. `isSound` is the invariant every test asserts.
public struct LedgerIntegrity: Sendable, Equatable, Codable {
    public let transactions: Int64
    public let postings: Int64
    public let unbalancedCurrencies: [String: Int64]
    public let balanceCacheMismatches: [String]
    public let transactionsWithoutPostings: Int64
    /// Postings whose running balance or link to the previous posting is wrong.
    public let brokenChainLinks: Int64

    public var isSound: Bool {
        unbalancedCurrencies.isEmpty && balanceCacheMismatches.isEmpty && transactionsWithoutPostings == 0 && brokenChainLinks == 0
    }
}

/// A page of one account's history, newest first.
public struct AccountStatement: Sendable, Equatable, Codable {
    public let account: String
    /// The account's current (cached) balance.
    public let balance: Int64
    public let postings: [AccountPosting]
    /// Pass as `before` for the next, older page; nil on the last page.
    public let nextBefore: Int64?
}

/// One posting on a statement, with its transaction.
public struct AccountPosting: Sendable, Equatable, Codable {
    public let id: Int64
    public let amount: Int64
    public let balanceAfter: Int64
    public let transactionSeq: Int64
    public let idempotencyKey: String
    public let kind: String
    public let memo: String
    public let occurredAt: Int64
    public let postedAt: Int64
}

/// Counts and cached totals per currency (each zero in a sound ledger).
public struct LedgerSummary: Sendable, Equatable, Codable {
    public let transactions: Int64
    public let postings: Int64
    public let cachedTotalsByCurrency: [String: Int64]
}

extension LedgerStore {
    /// Everything that ever came into `account` and went out of it (minor units, both
    /// positive): a client's money in and out at a glance.
    public func flows(of account: LedgerAccount) async throws -> (in: Int64, out: Int64) {
        try await db.read { sql in
            let row = try await sql.raw("""
                SELECT CAST(COALESCE(SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END), 0) AS BIGINT) AS credits,
                       CAST(COALESCE(SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END), 0) AS BIGINT) AS debits
                FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code = \(bind: account.code)
                """).first()
            return (try row?.decode(column: "credits", as: Int64.self) ?? 0, try row?.decode(column: "debits", as: Int64.self) ?? 0)
        }
    }
}
