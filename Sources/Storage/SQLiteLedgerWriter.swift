import BrokerCore
import Dispatch
import Ledger

/// Posts ledger batches to SQLite through its own C-API connection, confined to one
/// serial queue: one writer per ledger, persistent prepared statements, one
/// transaction (and one fsync) per batch.
final class SQLiteLedgerWriter: LedgerWriter, @unchecked Sendable {
    // `handle` and `accountIDs` are touched only on `queue`.
    private let handle: SQLiteHandle
    private var accountIDs: [LedgerAccount: Int64] = [:]
    private let queue = DispatchQueue(label: "pipstack.ledger.sqlite-writer")
    private let clock: any PipstackClock

    init(path: String, clock: any PipstackClock) throws {
        handle = try SQLiteHandle(path: path)
        self.clock = clock
    }

    func post(_ batch: [LedgerTransaction]) async throws -> [PostingOutcome] {
        // Fingerprints are computed here, on the caller's task, to keep the single
        // writer thread for SQLite work.
        let fingerprints = batch.map(\.fingerprint)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.postOnQueue(batch, fingerprints) })
            }
        }
    }

    private func postOnQueue(_ batch: [LedgerTransaction], _ fingerprints: [Int64]) throws -> [PostingOutcome] {
        try handle.execute("BEGIN IMMEDIATE")
        let cacheBefore = accountIDs
        do {
            let outcomes = try write(batch, fingerprints)
            try handle.execute("COMMIT")
            return outcomes
        } catch {
            try? handle.execute("ROLLBACK")
            accountIDs = cacheBefore   // ids created in the rolled-back transaction are gone
            throw error
        }
    }

    /// Postings go in through one prepared statement of this many rows at a time.
    private static let postingsPerStatement = 32

    private func write(_ batch: [LedgerTransaction], _ fingerprints: [Int64]) throws -> [PostingOutcome] {
        let postedAt = clock.nowMicros()
        let insertTransaction = try handle.statement("""
            INSERT INTO ledger_transactions (idempotency_key, fingerprint, kind, memo, occurred_at, posted_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (idempotency_key) DO NOTHING
            """)
        let postings = PostingInserter(handle: handle, rowsPerStatement: Self.postingsPerStatement)
        let findFingerprint = try handle.statement("SELECT fingerprint FROM ledger_transactions WHERE idempotency_key = ?1")
        var deltas: [Int64: Int64] = [:]
        var lastSeq: Int64 = 0
        var outcomes: [PostingOutcome] = []
        outcomes.reserveCapacity(batch.count)
        for (index, transaction) in batch.enumerated() {
            let fingerprint = fingerprints[index]
            insertTransaction.reset()
            insertTransaction.bind(1, transaction.idempotencyKey)
            insertTransaction.bind(2, fingerprint)
            insertTransaction.bind(3, transaction.kind)
            insertTransaction.bind(4, transaction.memo)
            insertTransaction.bind(5, transaction.occurredAt)
            insertTransaction.bind(6, postedAt)
            try insertTransaction.step()
            guard handle.changes == 1 else {
                findFingerprint.reset()
                findFingerprint.bind(1, transaction.idempotencyKey)
                guard try findFingerprint.step() else { throw StorageError.notFound("ledger transaction \(transaction.idempotencyKey)") }
                let stored = findFingerprint.int64(0)
                findFingerprint.reset()
                outcomes.append(stored == fingerprint ? .duplicate : .keyConflict)
                continue
            }
            let seq = handle.lastInsertRowID
            lastSeq = seq
            for (leg, posting) in transaction.postings.enumerated() {
                let accountID = try accountID(for: posting.account)
                try postings.add(seq: seq, leg: Int64(leg), account: accountID, amount: posting.amount)
                deltas[accountID, default: 0] += posting.amount
            }
            outcomes.append(.posted)
        }
        try postings.flush()
        let upsertBalance = try handle.statement("""
            INSERT INTO ledger_balances (account_id, balance, last_tx_seq) VALUES (?1, ?2, ?3)
            ON CONFLICT (account_id) DO UPDATE SET balance = balance + excluded.balance, last_tx_seq = excluded.last_tx_seq
            """)
        for (account, delta) in deltas {
            upsertBalance.reset()
            upsertBalance.bind(1, account)
            upsertBalance.bind(2, delta)
            upsertBalance.bind(3, lastSeq)
            try upsertBalance.step()
        }
        return outcomes
    }

    private func accountID(for account: LedgerAccount) throws -> Int64 {
        if let id = accountIDs[account] { return id }
        let code = account.code
        let insert = try handle.statement("""
            INSERT INTO ledger_accounts (code, kind, owner, currency, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (code) DO NOTHING
            """)
        insert.bind(1, code)
        insert.bind(2, account.kind.rawValue)
        insert.bind(3, account.owner)
        insert.bind(4, account.currency.code)
        insert.bind(5, clock.nowMicros())
        try insert.step()
        let select = try handle.statement("SELECT id FROM ledger_accounts WHERE code = ?1")
        select.bind(1, code)
        guard try select.step() else { throw StorageError.notFound("ledger account \(code)") }
        let id = select.int64(0)
        select.reset()
        accountIDs[account] = id
        return id
    }
}

/// Buffers posting rows and writes them through a multi-row prepared INSERT, which
/// costs SQLite one statement execution per `rowsPerStatement` rows.
private final class PostingInserter {
    private let handle: SQLiteHandle
    private let rowsPerStatement: Int
    private let fullSQL: String
    private var pending: [(seq: Int64, leg: Int64, account: Int64, amount: Int64)] = []

    init(handle: SQLiteHandle, rowsPerStatement: Int) {
        self.handle = handle
        self.rowsPerStatement = rowsPerStatement
        fullSQL = Self.sql(rows: rowsPerStatement)
        pending.reserveCapacity(rowsPerStatement)
    }

    func add(seq: Int64, leg: Int64, account: Int64, amount: Int64) throws {
        pending.append((seq, leg, account, amount))
        if pending.count == rowsPerStatement { try write() }
    }

    func flush() throws {
        if !pending.isEmpty { try write() }
    }

    private func write() throws {
        let statement = try handle.statement(pending.count == rowsPerStatement ? fullSQL : Self.sql(rows: pending.count))
        for (row, posting) in pending.enumerated() {
            let base = Int32(row * 5)
            statement.bind(base + 1, posting.seq * 1_024 + posting.leg)
            statement.bind(base + 2, posting.seq)
            statement.bind(base + 3, posting.leg)
            statement.bind(base + 4, posting.account)
            statement.bind(base + 5, posting.amount)
        }
        try statement.step()
        pending.removeAll(keepingCapacity: true)
    }

    private static func sql(rows: Int) -> String {
        "INSERT INTO ledger_postings (id, tx_seq, leg, account_id, amount) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }
}
