import App
import LedgerCore
import Money
import SQLKit
import Platform
import TestSupport
import Testing
import Ledger

/// Account statements read along the posting chain, and the chain's integrity checks.
@Suite struct LedgerStatementTests {
    let wallet = LedgerAccount(kind: .clientWallet, owner: "c1", currency: .usd)

    func deposit(_ key: String, _ client: String, _ amount: Int64) -> LedgerTransaction {
        PostingRules.deposit(key: key, client: client, provider: "psp-a", amount: Money(minorUnits: amount, currency: .usd), at: 1_000)
    }

    func withdrawal(_ key: String, _ client: String, _ amount: Int64) -> LedgerTransaction {
        PostingRules.withdrawal(key: key, client: client, provider: "psp-a", amount: Money(minorUnits: amount, currency: .usd), at: 2_000)
    }

    /// Every page, newest first, until the chain ends.
    func fullHistory(_ ledger: LedgerStore, _ account: LedgerAccount, pageSize: Int) async throws -> [AccountPosting] {
        var all: [AccountPosting] = []
        var before: Int64?
        repeat {
            let page = try await ledger.statement(of: account, before: before, limit: pageSize)
            all += page.postings
            before = page.nextBefore
        } while before != nil
        return all
    }

    @Test(arguments: TestDatabases.kinds)
    func statementsPageNewestFirstWithRunningBalances(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        _ = try await ledger.post([deposit("d1", "c1", 10_000), deposit("x1", "c2", 7), deposit("d2", "c1", 2_500)])
        _ = try await ledger.post([withdrawal("w1", "c1", 4_000), deposit("x2", "c2", 8)])
        _ = try await ledger.post(deposit("d3", "c1", 1))

        let first = try await ledger.statement(of: wallet, limit: 3)
        #expect(first.balance == 8_501)
        #expect(first.postings.map(\.idempotencyKey) == ["d3", "w1", "d2"])
        #expect(first.postings.map(\.amount) == [1, -4_000, 2_500])
        #expect(first.postings.map(\.balanceAfter) == [8_501, 8_500, 12_500])
        #expect(first.postings.map(\.kind) == ["deposit", "withdrawal", "deposit"])
        let next = try #require(first.nextBefore)
        let second = try await ledger.statement(of: wallet, before: next, limit: 3)
        #expect(second.postings.map(\.idempotencyKey) == ["d1"])
        #expect(second.postings.map(\.balanceAfter) == [10_000])
        #expect(second.nextBefore == nil)

        // An exact last page says there is nothing more.
        #expect(try await ledger.statement(of: wallet, limit: 4).nextBefore == nil)
        // Unknown accounts have an empty statement; a cursor from another account is refused.
        let stranger = LedgerAccount(kind: .clientWallet, owner: "nobody", currency: .usd)
        #expect(try await ledger.statement(of: stranger).postings.isEmpty)
        let otherAccount = LedgerAccount(kind: .clientWallet, owner: "c2", currency: .usd)
        let foreign = try #require(try await ledger.statement(of: otherAccount).postings.first?.id)
        await #expect(throws: StorageError.self) { try await ledger.statement(of: wallet, before: foreign) }
    }

    /// Many transactions over few accounts, in batches of several sizes: each
    /// account's full history adds up to its balance, step by step.
    @Test(arguments: TestDatabases.kinds)
    func historiesAddUpToBalancesWhateverTheBatching(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        var expected: [String: Int64] = [:]
        var index = 0
        for size in [1, 7, 50, 3, 120] {
            var batch: [LedgerTransaction] = []
            for _ in 0..<size {
                index += 1
                let client = "c\(index % 5)"
                let amount = Int64(index * 13 % 997 + 1)
                batch.append(index % 4 == 0 ? withdrawal("t\(index)", client, amount) : deposit("t\(index)", client, amount))
                expected[client, default: 0] += index % 4 == 0 ? -amount : amount
            }
            _ = try await ledger.post(batch)
        }
        for (client, balance) in expected {
            let account = LedgerAccount(kind: .clientWallet, owner: client, currency: .usd)
            let history = try await fullHistory(ledger, account, pageSize: 9)
            #expect(history.first?.balanceAfter == balance)
            #expect(history.reduce(0) { $0 + $1.amount } == balance)
            // Walking oldest to newest, each balance is the previous plus the amount.
            var running: Int64 = 0
            for posting in history.reversed() {
                running += posting.amount
                #expect(posting.balanceAfter == running)
            }
            #expect(history.map(\.id) == history.map(\.id).sorted(by: >))
        }
        #expect(try await ledger.verify().isSound)
    }

    /// Editing a stored running balance or link is caught by `verify`.
    @Test(arguments: TestDatabases.kinds)
    func verifyCatchesABrokenChain(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let ledger = try LedgerStore(db: db)
        _ = try await ledger.post([deposit("d1", "c1", 100), deposit("d2", "c1", 200), deposit("d3", "c1", 300)])
        #expect(try await ledger.verify().brokenChainLinks == 0)
        let history = try await ledger.statement(of: wallet).postings
        let middle = history[1].id
        try await db.transaction { sql in
            try await sql.raw("UPDATE ledger_postings SET balance_after = balance_after + 1 WHERE id = \(bind: middle)").run()
        }
        let tampered = try await ledger.verify()
        #expect(!tampered.isSound)
        #expect(tampered.brokenChainLinks > 0)
    }

    /// Two writers on one SQLite file (two processes, in production) take turns on
    /// the same accounts: each notices the other's postings and links after them.
    @Test func twoWritersOnOneSQLiteFileKeepTheChainsWhole() async throws {
        let db = try await TestDatabases.make("sqlite")
        defer { Task { await db.close() } }
        let one = try LedgerStore(db: db)
        let two = try LedgerStore(db: db)
        for round in 0..<10 {
            let writer = round % 3 == 0 ? two : one
            _ = try await writer.post([deposit("r\(round)-a", "c1", Int64(round + 1)), withdrawal("r\(round)-b", "c1", 1)])
        }
        let integrity = try await one.verify()
        #expect(integrity.isSound)
        #expect(try await one.statement(of: wallet).balance == (1...10).reduce(0, +) - 10)
    }

    /// A ledger written before posting chains existed (schema 2) gets its links and
    /// running balances filled in by migration 3.
    @Test(arguments: TestDatabases.kinds)
    func migrationThreeLinksExistingPostings(kind: String) async throws {
        let db = try await Database.open(try await TestDatabases.url(kind), logger: TestDatabases.logger, pool: TestDatabases.pool)
        defer { Task { await db.close() } }
        try await MigrationRunner(migrations: Array(Schema.all.prefix(2))).migrate(db)
        // Accounts and transactions take the first ids of a fresh database: 1, 2 and 1, 2, 3.
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO ledger_accounts (code, kind, owner, currency, created_at) VALUES
                ('client_wallet:c1:USD', 'client_wallet', 'c1', 'USD', 0), ('psp_clearing:p:USD', 'psp_clearing', 'p', 'USD', 0)
                """).run()
            try await sql.raw("""
                INSERT INTO ledger_transactions (idempotency_key, fingerprint, kind, memo, occurred_at, posted_at) VALUES
                ('a', 1, 'deposit', '', 0, 0), ('b', 2, 'deposit', '', 0, 0), ('c', 3, 'withdrawal', '', 0, 0)
                """).run()
            try await sql.raw("""
                INSERT INTO ledger_postings (id, tx_seq, leg, account_id, amount) VALUES
                (1024, 1, 0, 2, -500), (1025, 1, 1, 1, 500), (2048, 2, 0, 2, -70), (2049, 2, 1, 1, 70),
                (3072, 3, 0, 1, -100), (3073, 3, 1, 2, 100)
                """).run()
            try await sql.raw("INSERT INTO ledger_balances (account_id, balance, last_tx_seq) VALUES (1, 470, 3), (2, -470, 3)").run()
        }
        try await MigrationRunner().migrate(db)
        let ledger = try LedgerStore(db: db)
        #expect(try await ledger.verify().isSound)
        let history = try await ledger.statement(of: wallet).postings
        #expect(history.map(\.balanceAfter) == [470, 570, 500])
        // New postings continue the migrated chains.
        _ = try await ledger.post(deposit("d", "c1", 30))
        #expect(try await ledger.statement(of: wallet, limit: 1).postings.map(\.balanceAfter) == [500])
        #expect(try await ledger.verify().isSound)
    }
}
