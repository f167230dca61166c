import LedgerCore
import Money
import PropertyBased
import SQLKit
import Platform
import TestSupport
import Testing
import Ledger

@Suite struct LedgerStoreTests {
    static let usd = Currency.usd

    func deposit(_ key: String, _ client: String, _ amount: Int64) -> LedgerTransaction {
        PostingRules.deposit(key: key, client: client, provider: "psp-a", amount: Money(minorUnits: amount, currency: .usd), at: 1_000)
    }

    @Test(arguments: TestDatabases.kinds)
    func postsReplaysAndRefusesKeyReuse(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        let first = try await ledger.post([deposit("d1", "c1", 10_000), deposit("d2", "c2", 2_500)])
        #expect(first == [.posted, .posted])
        let wallet = LedgerAccount(kind: .clientWallet, owner: "c1", currency: .usd)
        #expect(try await ledger.balance(of: wallet) == 10_000)

        // Replaying the same transactions changes nothing.
        let before = try await ledger.accounts()
        #expect(try await ledger.post([deposit("d1", "c1", 10_000), deposit("d2", "c2", 2_500)]) == [.duplicate, .duplicate])
        #expect(try await ledger.accounts() == before)

        // The same key with other content is refused and changes nothing.
        #expect(try await ledger.post(deposit("d1", "c1", 99_999)) == .keyConflict)
        #expect(try await ledger.balance(of: wallet) == 10_000)

        // Repeats inside one batch: the first posts, the rest are judged against it.
        let mixed = try await ledger.post([deposit("d3", "c1", 100), deposit("d3", "c1", 100), deposit("d3", "c1", 5)])
        #expect(mixed == [.posted, .duplicate, .keyConflict])
        #expect(try await ledger.balance(of: wallet) == 10_100)

        let integrity = try await ledger.verify()
        #expect(integrity.isSound)
        #expect(integrity.transactions == 3)
        #expect(integrity.postings == 6)
    }

    /// An audited post writes its audit event in the same transaction, chained with
    /// events written elsewhere; a replay writes none.
    @Test(arguments: TestDatabases.kinds)
    func auditedPostsChainTheirEventOnce(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        let dialect = db.dialect
        try await db.transaction { sql in
            try await AuditLog.append(AuditEntry(actor: "staff:a", action: "user.create", entityType: "user", entityID: "u1"), at: 1, on: sql, dialect: dialect)
        }
        let entry = AuditEntry(actor: "staff:f", action: "ledger.post", entityType: "ledger_transaction", entityID: "d1", requestID: "r1", ip: "10.0.0.1")
        #expect(try await ledger.post(deposit("d1", "c1", 500), audit: entry) == .posted)
        #expect(try await ledger.post(deposit("d1", "c1", 500), audit: entry) == .duplicate)
        #expect(try await ledger.post(deposit("d1", "c1", 501), audit: entry) == .keyConflict)
        try await db.transaction { sql in
            try await AuditLog.append(AuditEntry(actor: "staff:a", action: "user.create", entityType: "user", entityID: "u2"), at: 3, on: sql, dialect: dialect)
        }
        let events = try await db.read { sql in try await AuditLog.recent(on: sql, limit: 10, entityType: nil, entityID: nil) }
        #expect(events.map(\.entry.action) == ["user.create", "ledger.post", "user.create"])
        #expect(events[1].entry == entry)
        let verification = try await db.read { sql in try await AuditLog.verify(on: sql) }
        guard case .intact(3) = verification else { Issue.record("audit chain: \(verification)"); return }
    }

    @Test(arguments: TestDatabases.kinds)
    func invalidTransactionsAreRefusedBeforeAnythingIsWritten(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        let wallet = LedgerAccount(kind: .clientWallet, owner: "c1", currency: .usd)
        let bad = LedgerTransaction(idempotencyKey: "bad", kind: "x", occurredAt: 0, postings: [Posting(account: wallet, amount: 5)])
        await #expect(throws: LedgerError.self) { try await ledger.post([deposit("ok", "c1", 1), bad]) }
        #expect(try await ledger.verify().transactions == 0)
    }

    /// Random sequences of valid transactions, with replays and key reuse mixed in,
    /// always leave the stored ledger balanced and equal to the reference model.
    @Test(arguments: TestDatabases.kinds)
    func randomSequencesStayBalancedAndMatchTheModel(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        var model = Balances()
        var posted: [String: LedgerTransaction] = [:]
        var round = 0
        await propertyCheck(count: 25, input: Gen.int64(in: 1...5_000_000).array(of: 1...30), Gen.int(in: 0...5).array(of: 30)) { amounts, picks in
            round += 1
            var batch: [LedgerTransaction] = []
            for (index, amount) in amounts.enumerated() {
                let pick = picks[index]
                switch pick {
                case 0 where !posted.isEmpty:
                    batch.append(posted.values.first!)                              // replay
                case 1 where !posted.isEmpty:
                    let old = posted.values.first!                                  // key reuse, other content
                    batch.append(deposit(old.idempotencyKey, "intruder", amount))
                default:
                    let client = "c\(pick)"
                    let key = "r\(round)-\(index)"
                    batch.append(pick == 5
                        ? PostingRules.withdrawal(key: key, client: client, provider: "psp-b", amount: Money(minorUnits: amount, currency: .usd), at: 0)
                        : deposit(key, client, amount))
                }
            }
            let outcomes: [PostingOutcome]
            do { outcomes = try await ledger.post(batch) } catch { Issue.record("post failed: \(String(reflecting: error))"); return }
            for (transaction, outcome) in zip(batch, outcomes) where outcome == .posted {
                model.apply(transaction)
                posted[transaction.idempotencyKey] = transaction
            }
            for (transaction, outcome) in zip(batch, outcomes) {
                if let original = posted[transaction.idempotencyKey], outcome != .posted {
                    #expect(outcome == (original == transaction ? .duplicate : .keyConflict))
                }
            }
        }
        let integrity = try await ledger.verify()
        #expect(integrity.isSound)
        #expect(integrity.transactions == Int64(model.transactionCount))
        for (account, expected) in model.byAccount {
            #expect(try await ledger.balance(of: account) == expected)
        }
    }
}

@Suite struct ConcurrentLedgerWriteTests {
    /// Batches posted at the same time over the same accounts neither deadlock nor lose anything.
    @Test(arguments: TestDatabases.kinds)
    func concurrentBatchesOverSharedAccountsAllLand(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for round in 0..<10 {
                        let batch = (0..<200).map { index in
                            PostingRules.deposit(key: "p\(producer)-r\(round)-\(index)", client: "c\((index * 7 + producer) % 23)", provider: "psp-\(index % 3)",
                                                 amount: Money(minorUnits: Int64(index + 1), currency: .usd), at: 0)
                        }
                        let outcomes = try await ledger.post(batch)
                        #expect(outcomes.allSatisfy { $0 == .posted })
                    }
                }
            }
            try await group.waitForAll()
        }
        let integrity = try await ledger.verify()
        #expect(integrity.isSound)
        #expect(integrity.transactions == 4 * 10 * 200)
    }
}
