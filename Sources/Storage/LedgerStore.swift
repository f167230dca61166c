import BrokerCore
import Ledger
import Money
import SQLKit

/// Durable, exactly-once posting of ledger transactions, one database transaction per batch.
///
/// Each backend does set-based work inside a batch (SQLite through persistent C-API
/// statements, PostgreSQL through `unnest`), because posting row by row is two orders
/// of magnitude slower. Reads go through SQLKit and are shared.
public protocol LedgerWriter: Sendable {
    /// Posts `batch` atomically: either every new transaction and its postings and
    /// balance updates are committed, or none. Replayed keys are `duplicate`, reused
    /// keys with other content `keyConflict`; neither changes anything.
    func post(_ batch: [LedgerTransaction]) async throws -> [PostingOutcome]
}

/// The ledger as the rest of Pipstack sees it.
public struct LedgerStore: Sendable {
    public let db: Database
    public let writer: any LedgerWriter

    public init(db: Database, clock: any PipstackClock = SystemClock()) throws {
        self.db = db
        if let path = db.sqlitePath {
            writer = try SQLiteLedgerWriter(path: path, clock: clock)
        } else if let client = db.postgresClient {
            writer = PostgresLedgerWriter(client: client, clock: clock, logger: db.logger)
        } else {
            throw StorageError.conflict("no ledger writer for \(db.url)")
        }
    }

    /// Validates every transaction, then posts them as one batch.
    public func post(_ batch: [LedgerTransaction]) async throws -> [PostingOutcome] {
        let valid = try batch.map { try $0.validated() }
        return try await writer.post(valid)
    }

    public func post(_ transaction: LedgerTransaction) async throws -> PostingOutcome {
        try await post([transaction])[0]
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
            return LedgerIntegrity(
                transactions: try counts?.decode(column: "txs", as: Int64.self) ?? 0,
                postings: try counts?.decode(column: "postings", as: Int64.self) ?? 0,
                unbalancedCurrencies: unbalanced,
                balanceCacheMismatches: mismatched,
                transactionsWithoutPostings: try orphans?.decode(column: "n", as: Int64.self) ?? 0)
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

    public var isSound: Bool {
        unbalancedCurrencies.isEmpty && balanceCacheMismatches.isEmpty && transactionsWithoutPostings == 0
    }
}
