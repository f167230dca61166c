import BrokerCore
import LedgerCore
import Logging
import PostgresKit
import PostgresNIO
import Platform

/// Posts ledger batches to PostgreSQL with a fixed number of set-based statements
/// per batch (`unnest` over arrays), whatever the batch size.
struct PostgresLedgerWriter: LedgerWriter {
    let client: PostgresClient
    let clock: any PipstackClock
    let logger: Logger

    func post(_ batch: [LedgerTransaction], audit: [String: AuditEntry]) async throws -> [PostingOutcome] {
        // A whole batch is one transaction, so retrying after a deadlock or a
        // serialization failure (which rolled everything back) is safe.
        var attempt = 0
        while true {
            do {
                return try await postOnce(batch, audit: audit)
            } catch let error as PostgresTransactionError where attempt < 5 && Self.isRetryable(error) {
                attempt += 1
                logger.notice("ledger batch retried", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(5 * attempt))
            }
        }
    }

    static func isRetryable(_ error: PostgresTransactionError) -> Bool {
        guard let psql = error.closureError as? PSQLError ?? error.commitError as? PSQLError,
              let state = psql.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    private func postOnce(_ batch: [LedgerTransaction], audit: [String: AuditEntry]) async throws -> [PostingOutcome] {
        // Later occurrences of a key inside one batch are judged against the first.
        var firstIndex: [String: Int] = [:]
        var unique: [LedgerTransaction] = []
        for (index, transaction) in batch.enumerated() where firstIndex[transaction.idempotencyKey] == nil {
            firstIndex[transaction.idempotencyKey] = index
            unique.append(transaction)
        }
        let postedAt = clock.nowMicros()
        let logger = logger
        let result: (inserted: [String: Int64], stored: [String: Int64]) = try await client.withTransaction(logger: logger) { connection in
            let accountIDs = try await Self.ensureAccounts(unique, on: connection, at: postedAt, logger: logger)
            // Account heads are locked before any seq is drawn: a batch that shares an
            // account with another waits for it, then draws later seqs, so posting ids
            // increase along every account's chain.
            var chains = PostingChains(heads: try await Self.lockHeads(Array(Set(accountIDs.values)).sorted(), on: connection, logger: logger))
            let inserted = try await Self.insertTransactions(unique, on: connection, at: postedAt, logger: logger)
            var ids: [Int64] = [], seqs: [Int64] = [], legs: [Int64] = [], accounts: [Int64] = [], amounts: [Int64] = []
            var balancesAfter: [Int64] = [], previous: [Int64] = []
            var touched = Set<Int64>()
            var lastSeq: Int64 = 0
            for transaction in unique.sorted(by: { (inserted[$0.idempotencyKey] ?? 0) < (inserted[$1.idempotencyKey] ?? 0) }) {
                guard let seq = inserted[transaction.idempotencyKey] else { continue }
                lastSeq = max(lastSeq, seq)
                for (leg, posting) in transaction.postings.enumerated() {
                    guard let account = accountIDs[posting.account.code] else {
                        throw StorageError.notFound("ledger account \(posting.account.code)")
                    }
                    let chained = try chains.append(id: seq * 1_024 + Int64(leg), accountID: account, amount: posting.amount,
                                                    key: transaction.idempotencyKey)
                    ids.append(chained.id); seqs.append(seq); legs.append(Int64(leg)); accounts.append(account)
                    amounts.append(posting.amount); balancesAfter.append(chained.balanceAfter); previous.append(chained.previousID)
                    touched.insert(account)
                }
            }
            if !ids.isEmpty {
                try await connection.query("""
                    INSERT INTO ledger_postings (id, tx_seq, leg, account_id, amount, balance_after, prev_id)
                    SELECT * FROM unnest(\(ids)::bigint[], \(seqs)::bigint[], \(legs)::int[], \(accounts)::bigint[],
                                         \(amounts)::bigint[], \(balancesAfter)::bigint[], \(previous)::bigint[])
                    """, logger: logger)
                let balanceAccounts = touched.sorted()
                let heads = balanceAccounts.map { chains.heads[$0] ?? AccountHead() }
                try await connection.query("""
                    UPDATE ledger_balances b SET balance = t.balance, last_posting_id = t.last, last_tx_seq = \(lastSeq)
                    FROM unnest(\(balanceAccounts)::bigint[], \(heads.map(\.balance))::bigint[], \(heads.map(\.lastPostingID))::bigint[])
                         AS t(account, balance, last)
                    WHERE b.account_id = t.account
                    """, logger: logger)
            }
            for transaction in unique where inserted[transaction.idempotencyKey] != nil {
                if let entry = audit[transaction.idempotencyKey] {
                    try await AuditLog.append(entry, at: postedAt, on: connection.sql(), dialect: .postgres)
                }
            }
            let existing = unique.filter { inserted[$0.idempotencyKey] == nil }
            var stored: [String: Int64] = [:]
            for transaction in unique where inserted[transaction.idempotencyKey] != nil {
                stored[transaction.idempotencyKey] = transaction.fingerprint
            }
            if !existing.isEmpty {
                let keys = existing.map(\.idempotencyKey)
                let rows = try await connection.query(
                    "SELECT idempotency_key, fingerprint FROM ledger_transactions WHERE idempotency_key = ANY(\(keys)::text[])",
                    logger: logger)
                for try await (key, fingerprint) in rows.decode((String, Int64).self) { stored[key] = fingerprint }
            }
            return (inserted, stored)
        }
        // The first occurrence of a newly inserted key posted; every other occurrence
        // is judged against what is stored under its key.
        return batch.enumerated().map { index, transaction in
            let key = transaction.idempotencyKey
            if firstIndex[key] == index, result.inserted[key] != nil { return .posted }
            return result.stored[key] == transaction.fingerprint ? .duplicate : .keyConflict
        }
    }

    private static func ensureAccounts(_ batch: [LedgerTransaction], on connection: PostgresConnection, at time: Int64, logger: Logger) async throws -> [String: Int64] {
        var seen = Set<String>()
        var codes: [String] = [], kinds: [String] = [], owners: [String] = [], currencies: [String] = []
        for transaction in batch {
            for posting in transaction.postings where seen.insert(posting.account.code).inserted {
                codes.append(posting.account.code)
                kinds.append(posting.account.kind.rawValue)
                owners.append(posting.account.owner)
                currencies.append(posting.account.currency.code)
            }
        }
        try await connection.query("""
            INSERT INTO ledger_accounts (code, kind, owner, currency, created_at)
            SELECT c, k, o, cur, \(time) FROM unnest(\(codes)::text[], \(kinds)::text[], \(owners)::text[], \(currencies)::text[]) AS t(c, k, o, cur)
            ORDER BY c ON CONFLICT (code) DO NOTHING
            """, logger: logger)
        var ids: [String: Int64] = [:]
        let rows = try await connection.query("SELECT code, id FROM ledger_accounts WHERE code = ANY(\(codes)::text[])", logger: logger)
        for try await (code, id) in rows.decode((String, Int64).self) { ids[code] = id }
        return ids
    }

    /// Makes sure every account has a balance row, locks them in account order and
    /// returns their heads.
    private static func lockHeads(_ accounts: [Int64], on connection: PostgresConnection, logger: Logger) async throws -> [Int64: AccountHead] {
        try await connection.query("""
            INSERT INTO ledger_balances (account_id, balance, last_tx_seq, last_posting_id)
            SELECT a, 0, 0, 0 FROM unnest(\(accounts)::bigint[]) AS t(a) ORDER BY a ON CONFLICT (account_id) DO NOTHING
            """, logger: logger)
        let rows = try await connection.query("""
            SELECT account_id, balance, last_posting_id FROM ledger_balances WHERE account_id = ANY(\(accounts)::bigint[])
            ORDER BY account_id FOR UPDATE
            """, logger: logger)
        var heads: [Int64: AccountHead] = [:]
        for try await (account, balance, last) in rows.decode((Int64, Int64, Int64).self) {
            heads[account] = AccountHead(balance: balance, lastPostingID: last)
        }
        return heads
    }

    private static func insertTransactions(_ batch: [LedgerTransaction], on connection: PostgresConnection, at time: Int64, logger: Logger) async throws -> [String: Int64] {
        let keys = batch.map(\.idempotencyKey)
        let fingerprints = batch.map(\.fingerprint)
        let kinds = batch.map(\.kind)
        let memos = batch.map(\.memo)
        let occurred = batch.map(\.occurredAt)
        let rows = try await connection.query("""
            INSERT INTO ledger_transactions (idempotency_key, fingerprint, kind, memo, occurred_at, posted_at)
            SELECT k, f, kd, m, o, \(time)
            FROM unnest(\(keys)::text[], \(fingerprints)::bigint[], \(kinds)::text[], \(memos)::text[], \(occurred)::bigint[]) AS t(k, f, kd, m, o)
            ORDER BY k
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING idempotency_key, seq
            """, logger: logger)
        var inserted: [String: Int64] = [:]
        for try await (key, seq) in rows.decode((String, Int64).self) { inserted[key] = seq }
        return inserted
    }
}
