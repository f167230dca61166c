import App
import BrokerCore
import LedgerCore
import Money
import Partners
import PropertyBased
import SQLKit
import Platform
import TestSupport
import Testing
import Commissions
import Trading
import Ledger

/// How commission lines are stored: the migration from text-keyed lines, the
/// batch directory that finds a partner's lines, and its position lists.
@Suite struct CommissionStorageTests {
    /// Lines stored before version 8 keep their amounts, totals and listings.
    @Test(arguments: TestDatabases.kinds)
    func linesFromBeforeTheDirectoryAreCarriedOver(kind: String) async throws {
        let db = try await Database.open(try await TestDatabases.url(kind), logger: TestDatabases.logger, pool: TestDatabases.pool)
        defer { Task { await db.close() } }
        try await MigrationRunner(migrations: Schema.all.filter { $0.version <= 7 }).migrate(db)
        // Deals and lines as version 7 stored them (today's writers know newer columns).
        try await db.transaction { sql in
            for ticket in Int64(1)...3 {
                let time = ticket * 86_400_000_000 + 5
                try await sql.raw("""
                    INSERT INTO trade_deals (server_id, ticket, login, action, entry, reason, order_ticket, position_id, symbol, time_us, price_points,
                        digits, volume, contract_size, profit, commission, swap, fee, comment, external_id, feed_seq, synced_at)
                    VALUES ('mt5', \(bind: ticket), 7, 0, 1, 0, 0, 0, 'EURUSD', \(bind: time), 0, 5, 100000000, 100000, 0, 0, 0, 0, '', '', \(bind: ticket), 0)
                    """).run()
                for (partner, level, amount) in [("sub", 0, 500_000_000), ("master", 1, 200_000_000)] {
                    try await sql.raw("""
                        INSERT INTO commission_lines (server_id, ticket, rule_id, partner_id, level, amount, currency, login, symbol, deal_time, feed_seq)
                        VALUES ('mt5', \(bind: ticket), 'rebate', \(bind: partner), \(bind: level), \(bind: Int64(amount)), 'USD', 7,
                                'EURUSD', \(bind: time), \(bind: ticket))
                        """).run()
                }
            }
        }
        try await MigrationRunner().migrate(db)
        let reports = CommissionReports(db: db, clock: SystemClock())
        let all = try await reports.allTimeTotals()
        #expect(all["sub"]?.amount == 1_500_000_000 && all["sub"]?.lines == 3)
        #expect(all["master"]?.amount == 600_000_000 && all["master"]?.lines == 3)
        let days = try await reports.totals(from: 2 * 86_400_000_000, to: 4 * 86_400_000_000, partner: "sub")
        #expect(days.map(\.amount) == [1_000_000_000] && days.map(\.deals) == [2])
        let listed = try await reports.lines(partner: "master", limit: 2)
        #expect(listed.map(\.ticket) == [3, 2] && listed.allSatisfy { $0.amount == 200_000_000 && $0.rule == "rebate" && $0.level == 1 })
        #expect(try await reports.lines(server: "mt5", ticket: 1).map(\.partner) == ["sub", "master"])
    }

    /// A partner's lines are listed newest first across batches, through the directory.
    @Test(arguments: TestDatabases.kinds)
    func aPartnersLinesAreFoundThroughTheBatchDirectory(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        try await CommissionPipelineTests.setUp(db)
        let store = try DealStore(db: db)
        try await store.store(DealSyncBatch(serverID: "mt5", deals: CommissionPipelineTests.deals(), cursorTime: 0))
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(), logger: TestDatabases.logger,
                                              batchSize: 7)
        try await pipeline.consume(DealFeed(store: store).batches(for: CommissionPipeline.consumer, batchSize: 7, endWhenDrained: true))
        let reports = CommissionReports(db: db, clock: SystemClock())
        let all = try await reports.lines(partner: "sub", limit: 1_000)
        #expect(all.count == 39, "39 closing deals held long enough")
        #expect(all.map(\.ticket) == all.map(\.ticket).sorted(by: >))
        #expect(try await reports.lines(partner: "sub", limit: 5).map(\.ticket) == Array(all.prefix(5).map(\.ticket)))
        #expect(try await reports.lines(partner: "nobody").isEmpty)
        #expect(all.reduce(0) { $0 + $1.amount } == (try await reports.allTimeTotals())["sub"]?.amount)
        let bySymbol = try await reports.bySymbol(partner: "sub", from: 0, to: Int64.max / 2)
        #expect(bySymbol == [CommissionReports.SymbolTotal(symbol: "EURUSD", lines: all.count, amount: all.reduce(0) { $0 + $1.amount })])
        #expect(try await reports.bySymbol(partner: "sub", from: Int64.max / 4, to: Int64.max / 2).isEmpty, "a period with no deal")
    }

    @Test func positionListsRoundTrip() async {
        await propertyCheck(input: Gen.int64(in: 0...1_000_000).array(of: 0...200)) { values in
            let sorted = values.sorted()
            var unique: [Int64] = []
            for value in sorted where unique.last != value { unique.append(value) }
            #expect(DeltaList.decode(DeltaList.encode(sorted)) == unique)
        }
        #expect(DeltaList.decode([0x80]) == nil, "a varint cut short is refused")
    }
}
