import App
import BrokerCore
import Commissions
import Foundation
import Identity
import Ledger
import LedgerCore
import Money
import Platform
import SQLKit
import TestSupport
import Testing
import Trading

/// A database made by the last release before the capability slices (schema version
/// 14: `pipstack demo` run for 50 s, then stopped) opens, needs no migration, reads
/// back exactly what that build wrote, and takes new work from the current code.
@Suite struct UpgradeFromV14Tests {
    /// What the release's demo had stored when it stopped (read with sqlite3 then).
    enum Recorded {
        static let schemaVersion = 14
        static let auditEvents: Int64 = 30
        static let ledgerTransactions: Int64 = 14
        /// All-time commission accruals (10^-8 USD) and payable balances (cents) per partner.
        static let accrued: [PartnerID: Int64] = ["meridian": 1_829_500_000, "paula": 4_181_500_000]
        static let payable: [String: Int64] = ["meridian": 1_829, "paula": 29_181]
        static let feedPosition: Int64 = 573
    }

    /// A private copy of the committed fixture, opened with the current code.
    static func openFixture() async throws -> (Database, URL) {
        guard let fixture = Bundle.module.url(forResource: "Fixtures/pipstack-v14", withExtension: "sqlite") else {
            throw CocoaError(.fileNoSuchFile)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("pipstack.sqlite")
        try FileManager.default.copyItem(at: fixture, to: copy)
        return (try await Database.open(.sqlite(path: copy.path), logger: TestDatabases.logger, pool: TestDatabases.pool), folder)
    }

    /// The slices themselves added no migration; the versions after 14 (the trade
    /// servers' symbols, the effective-dated instrument catalog, frozen payout
    /// statements) apply on top and change nothing the release wrote.
    @Test func migratesFromV14AndReadsWhatTheReleaseWrote() async throws {
        let (db, folder) = try await Self.openFixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let runner = MigrationRunner()
        #expect(try await runner.currentVersion(of: db) == Recorded.schemaVersion)
        #expect(try await runner.migrate(db) == Array((Recorded.schemaVersion + 1)...runner.latestVersion))
        #expect(try await runner.migrate(db).isEmpty)
        let folders = try await InstrumentCatalog(db: db, clock: SystemClock()).folders()
        #expect(folders.contains { $0.folder == "Energies" && $0.group == "energies" }, "the folder table starts with MT5's usual folders")

        let ledger = try LedgerStore(db: db)
        let integrity = try await ledger.verify()
        #expect(integrity.isSound)
        #expect(integrity.transactions == Recorded.ledgerTransactions)
        #expect(try await db.read { try await AuditLog.verify(on: $0) } == .intact(events: Recorded.auditEvents))

        let totals = try await CommissionReports(db: db, clock: SystemClock()).allTimeTotals().mapValues(\.amount)
        #expect(totals == Recorded.accrued)
        for (partner, cents) in Recorded.payable {
            let account = try LedgerAccount(code: "ib_commission_payable:\(partner):USD")
            #expect(try await ledger.balance(of: account) == cents)
        }
        #expect(try await DealFeedCursor(db: db).position(of: CommissionPipeline.consumer) == Recorded.feedPosition)
        // The accounts that traded each day are counted from the release's deals.
        let independently = try await db.read { sql in
            try await sql.raw("""
                SELECT COUNT(*) AS n FROM (SELECT DISTINCT time_us / 86400000000, server_id, login FROM trade_deals WHERE action IN (0, 1)) AS pairs
                """).first()?.decode(column: "n", as: Int64.self) ?? 0
        }
        let counted = try await DealStore(db: db).activeAccountsPerDay(from: 0, to: Int64.max).values.reduce(0, +)
        #expect(independently > 0 && counted == independently)
        // The release's trading accounts get their owner's brand at start-up, and the days they traded follow.
        let branded = try await TradingAccountStore(db: db, clock: SystemClock()).assignMissingBrands()
        let unbranded = try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM trading_accounts WHERE brand_id = ''").first()?.decode(column: "n", as: Int64.self) ?? -1
        }
        #expect(unbranded == 0)
        if branded > 0 {
            let ofBrand = try await DealStore(db: db).activeAccountsPerDay(from: 0, to: Int64.max, brand: "brand_default").values.reduce(0, +)
            #expect(ofBrand > 0 && ofBrand <= counted)
        }
        // The release's clients are found by the search terms the migration wrote.
        for text in ["tariq", "Trader", "tariq trader", "trader@", "pipstack.demo"] {
            var query = UserDirectory.ClientQuery()
            query.search = text
            let asked = query
            let found = try await db.read { sql in try await UserDirectory.clients(asked, after: nil, limit: 25, on: sql) }
            #expect(found.map(\.email) == ["trader@pipstack.demo"], "\(text)")
        }
        await db.close()
    }

    /// A position the simulated trader of paula's referred account opens and closes
    /// after the upgrade earns through the current pipeline, on top of what the release
    /// stored, and the ledger still balances.
    @Test func newDealsEarnOnTopOfTheReleasesLines() async throws {
        let (db, folder) = try await Self.openFixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await MigrationRunner().migrate(db)
        let store = try DealStore(db: db)
        let ledger = try LedgerStore(db: db)
        let opened: Int64 = 1_796_403_800_000_000
        let deals = [(DealEntry.entryIn, opened, UInt64(9_000_000_001), Int64(108_000)),
                     (.entryOut, opened + 900_000_000, 9_000_000_002, 108_150)].map { entry, time, ticket, points in
            TradeDeal(ticket: ticket, login: TradingLogin(5_000_003), positionID: 9_000_000_001, action: .buy, entry: entry, reason: 0,
                      symbol: "EURUSD", time: time, price: Price(points: points, digits: 5), volume: Volume(units: 100_000_000),
                      contractSize: 100_000, profit: .zero)
        }
        #expect(try await store.store(DealSyncBatch(serverID: "mt5_live", deals: deals, cursorTime: 0)) == 2)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: TestDatabases.logger)
        try await pipeline.consume(DealFeed(store: store).batches(for: CommissionPipeline.consumer, batchSize: 100, endWhenDrained: true))

        let reports = CommissionReports(db: db, clock: SystemClock())
        let earned = try await reports.lines(server: "mt5_live", ticket: 9_000_000_002).reduce(into: [PartnerID: Int64]()) { $0[$1.partner, default: 0] += $1.amount }
        let explained = try await reports.explain(server: "mt5_live", ticket: 9_000_000_002, currency: .usd)
        #expect((earned["paula"] ?? 0) > 0, "\(String(describing: explained))")
        let totals = try await reports.allTimeTotals().mapValues(\.amount)
        for (partner, before) in Recorded.accrued {
            #expect(totals[partner] == before + (earned[partner] ?? 0))
        }
        #expect(try await ledger.verify().isSound)
        let paula = try await ledger.balance(of: try LedgerAccount(code: "ib_commission_payable:paula:USD"))
        #expect(paula > Recorded.payable["paula"] ?? 0)
        await db.close()
    }
}
