import BrokerCore
import Dispatch
import LedgerCore
import Synchronization
import Platform

/// Posts ledger batches to SQLite through its own C-API connection, confined to one
/// serial queue: one writer per ledger, persistent prepared statements, one
/// transaction (and one fsync) per batch.
///
/// The writer thread is the bottleneck of durable ingest, so everything that can be
/// done before it is done on the caller's task: fingerprints, and the account ids
/// already known. Inside, rows go in through multi-row statements.
final class SQLiteLedgerWriter: LedgerWriter, @unchecked Sendable {
    private let connection: SQLiteConnectionQueue
    /// Touched only on the connection's queue.
    private var handle: SQLiteHandle { connection.handle }
    private let clock: any PipstackClock
    /// Account ids that are committed, so they hold for every later batch. Ids made
    /// by a batch are published only after its COMMIT.
    private let committedAccountIDs = Mutex<[LedgerAccount: Int64]>([:])
    /// Account heads as this writer last committed them (touched only on `queue`).
    /// They are trusted while the newest transaction is still the one this writer
    /// saw last; another process posting to the same file makes them stale.
    private var chains = PostingChains(heads: [:])
    private var chainsValidAtSeq: Int64 = -1

    init(path: String, clock: any PipstackClock) throws {
        connection = try SQLiteConnectionQueue(path: path, label: "pipstack.ledger.sqlite-writer", writes: true)
        self.clock = clock
    }

    func post(_ batch: [LedgerTransaction], audit: [String: AuditEntry]) async throws -> [PostingOutcome] {
        let prepared = PreparedBatch(batch, knownAccounts: committedAccountIDs.withLock { $0 }, audit: audit)
        let created: [LedgerAccount: Int64]
        let outcomes: [PostingOutcome]
        (outcomes, created) = try await connection.run { _ in try self.postOnQueue(prepared) }
        if !created.isEmpty {
            committedAccountIDs.withLock { $0.merge(created) { old, _ in old } }
        }
        return outcomes
    }

    private func postOnQueue(_ batch: PreparedBatch) throws -> ([PostingOutcome], [LedgerAccount: Int64]) {
        // Heads are updated on a copy that replaces the cache only once committed.
        let (outcomes, created, working, newestSeq, lastSeq) = try handle.writeTransaction {
            let maxSeq = try handle.statement("SELECT COALESCE(MAX(seq), 0) FROM ledger_transactions")
            _ = try maxSeq.step()
            let newestSeq = maxSeq.int64(0)
            maxSeq.reset()
            var working = newestSeq == chainsValidAtSeq ? chains : PostingChains(heads: [:])
            var created: [LedgerAccount: Int64] = [:]
            let (outcomes, lastSeq) = try write(batch, firstSeq: newestSeq + 1, chains: &working, created: &created)
            return (outcomes, created, working, newestSeq, lastSeq)
        }
        chains = working
        chainsValidAtSeq = max(newestSeq, lastSeq)
        return (outcomes, created)
    }

    /// Rows per multi-row INSERT: one statement execution per this many rows.
    private static let rowsPerStatement = 64

    /// Writes the batch. New transactions get seqs from `firstSeq` up (SQLite's
    /// rowid, appended without a search); postings are numbered `seq * 1024 + leg`.
    /// Returns the outcomes and the last seq used (`firstSeq - 1` when none).
    private func write(_ batch: PreparedBatch, firstSeq: Int64, chains: inout PostingChains,
                       created: inout [LedgerAccount: Int64]) throws -> ([PostingOutcome], Int64) {
        let postedAt = clock.nowMicros()
        var accountIDs = batch.accountIDs
        for (positions, account) in batch.unknownAccounts {
            let id = try created[account] ?? resolve(account)
            created[account] = id
            for position in positions { accountIDs[position] = id }
        }
        try loadHeads(of: accountIDs, into: &chains)

        let transactions = batch.transactions
        let headers = RowInserter(handle: handle, rowsPerStatement: Self.rowsPerStatement,
                                  textColumns: [true, false, true, true, false, false], sqlPrefix: """
            INSERT INTO ledger_transactions (idempotency_key, fingerprint, kind, memo, occurred_at, posted_at) VALUES
            """, sqlSuffix: " ON CONFLICT (idempotency_key) DO NOTHING")
        let postings = RowInserter(handle: handle, rowsPerStatement: Self.rowsPerStatement, intColumns: 7, sqlPrefix: """
            INSERT OR FAIL INTO ledger_postings (id, tx_seq, leg, account_id, amount, balance_after, prev_id) VALUES
            """)
        var outcomes = [PostingOutcome](repeating: .posted, count: transactions.count)
        // An account is touched for the first time in this batch when its previous
        // posting is older than the batch.
        var touched: [Int64] = []
        let firstPostingID = firstSeq * 1_024   // every new seq is at least firstSeq
        var lastSeq = firstSeq - 1
        var seqs = [Int64](repeating: 0, count: transactions.count)
        var chunkStart = 0
        while chunkStart < transactions.count {
            let chunk = chunkStart..<min(chunkStart + Self.rowsPerStatement, transactions.count)
            for index in chunk {
                let transaction = transactions[index]
                headers.text(transaction.idempotencyKey)
                headers.int(batch.fingerprints[index])
                headers.text(transaction.kind)
                headers.text(transaction.memo)
                headers.int(transaction.occurredAt)
                headers.int(postedAt)
                try headers.endRow(autoFlush: false)
            }
            // SQLite numbers new rows max(seq) + 1, in row order: when every row went
            // in, their seqs are the run ending at the last one.
            if try headers.flush() == chunk.count {
                let first = handle.lastInsertRowID - Int64(chunk.count) + 1
                for index in chunk { seqs[index] = first + Int64(index - chunk.lowerBound) }
            } else {
                // Some keys were there already (replays, or reused keys): find out which.
                var claimed = Set<Int64>()
                for index in chunk {
                    let (seq, fingerprint) = try stored(transactions[index].idempotencyKey)
                    if seq > lastSeq, claimed.insert(seq).inserted {
                        seqs[index] = seq
                    } else {
                        outcomes[index] = fingerprint == batch.fingerprints[index] ? .duplicate : .keyConflict
                    }
                }
            }
            for index in chunk where outcomes[index] == .posted {
                let seq = seqs[index]
                lastSeq = seq
                var position = batch.postingOffsets[index]
                for (leg, posting) in transactions[index].postings.enumerated() {
                    let account = accountIDs[position]
                    position += 1
                    let chained = try chains.append(id: seq * 1_024 + Int64(leg), accountID: account, amount: posting.amount,
                                                    key: transactions[index].idempotencyKey)
                    postings.int(chained.id)
                    postings.int(seq)
                    postings.int(Int64(leg))
                    postings.int(account)
                    postings.int(posting.amount)
                    postings.int(chained.balanceAfter)
                    postings.int(chained.previousID)
                    try postings.endRow()
                    if chained.previousID < firstPostingID { touched.append(account) }
                }
            }
            chunkStart = chunk.upperBound
        }
        try postings.flush()
        let balances = RowInserter(handle: handle, rowsPerStatement: Self.rowsPerStatement, intColumns: 4, sqlPrefix: """
            INSERT INTO ledger_balances (account_id, balance, last_tx_seq, last_posting_id) VALUES
            """, sqlSuffix: """
             ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, last_tx_seq = excluded.last_tx_seq,
             last_posting_id = excluded.last_posting_id
            """)
        for account in touched.sorted() {
            let head = chains.heads[account] ?? AccountHead()
            balances.int(account)
            balances.int(head.balance)
            balances.int(lastSeq)
            balances.int(head.lastPostingID)
            try balances.endRow()
        }
        try balances.flush()
        if !batch.audit.isEmpty {
            for (index, transaction) in transactions.enumerated() where outcomes[index] == .posted {
                if let entry = batch.audit[transaction.idempotencyKey] { try AuditLog.append(entry, at: postedAt, on: handle) }
            }
        }
        return (outcomes, lastSeq)
    }

    /// Reads the heads of accounts this writer has not seen since its cache was valid.
    private func loadHeads(of accountIDs: [Int64], into chains: inout PostingChains) throws {
        var missing = Set<Int64>()
        for id in accountIDs where chains.heads[id] == nil { missing.insert(id) }
        guard !missing.isEmpty else { return }
        let select = try handle.statement("SELECT balance, last_posting_id FROM ledger_balances WHERE account_id = ?1")
        var loaded = chains.heads
        for id in missing {
            select.reset()
            select.bind(1, id)
            loaded[id] = try select.step() ? AccountHead(balance: select.int64(0), lastPostingID: select.int64(1)) : AccountHead()
        }
        select.reset()
        chains = PostingChains(heads: loaded)
    }

    /// The seq and fingerprint stored under `key`.
    private func stored(_ key: String) throws -> (seq: Int64, fingerprint: Int64) {
        let find = try handle.statement("SELECT seq, fingerprint FROM ledger_transactions WHERE idempotency_key = ?1")
        find.bind(1, key)
        guard try find.step() else { throw StorageError.notFound("ledger transaction \(key)") }
        defer { find.reset() }
        return (find.int64(0), find.int64(1))
    }

    private func resolve(_ account: LedgerAccount) throws -> Int64 {
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
        return id
    }
}

/// A batch with what the caller's task could work out before the writer thread
/// sees it: fingerprints, the flat list of posting accounts resolved to ids where
/// they are known, and the positions of the ones that are not.
private struct PreparedBatch: Sendable {
    let transactions: [LedgerTransaction]
    let fingerprints: [Int64]
    /// Index of each transaction's first posting in `accountIDs`.
    let postingOffsets: [Int]
    /// One id per posting, in order; 0 where `unknownAccounts` fills it in.
    let accountIDs: [Int64]
    let unknownAccounts: [(positions: [Int], account: LedgerAccount)]
    let audit: [String: AuditEntry]

    init(_ transactions: [LedgerTransaction], knownAccounts: [LedgerAccount: Int64], audit: [String: AuditEntry]) {
        self.transactions = transactions
        self.audit = audit
        fingerprints = transactions.map(\.fingerprint)
        var offsets: [Int] = []
        offsets.reserveCapacity(transactions.count)
        var ids: [Int64] = []
        var unknown: [LedgerAccount: [Int]] = [:]
        for transaction in transactions {
            offsets.append(ids.count)
            for posting in transaction.postings {
                if let id = knownAccounts[posting.account] {
                    ids.append(id)
                } else {
                    unknown[posting.account, default: []].append(ids.count)
                    ids.append(0)
                }
            }
        }
        postingOffsets = offsets
        accountIDs = ids
        unknownAccounts = unknown.map { ($0.value, $0.key) }
    }
}
