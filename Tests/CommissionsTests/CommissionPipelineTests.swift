import BrokerCore
import CommissionsCore
import Identity
import LedgerCore
import Logging
import Money
import Partners
import SQLKit
import Platform
import TestSupport
import Testing
import Commissions
import Trading
import Ledger

/// The pipeline from stored deals to commission lines and ledger postings, on a
/// real database: exactly once, whatever the batch size, with residues carried.
@Suite struct CommissionPipelineTests {
    static let lot: Int64 = 100_000_000

    /// Partners master ($7) over sub ($5); client-1's account mt5:1001 is sub's.
    static func setUp(_ db: Database) async throws {
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "master", name: "Master"), parent: nil, from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "sub", name: "Sub"), parent: "master", from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "gold", name: "Gold", filters: .init(minHoldSeconds: 60), rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "7.00")),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "silver", name: "Silver", filters: .init(minHoldSeconds: 60), rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "5.00")),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("master", plan: "gold", from: 0, audit: .system)
        try await builder.plans.assign("sub", plan: "silver", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1001", partnerID: "sub"), from: 0, audit: .system)
    }

    /// 40 positions opened and closed on mt5:1001 (0.33 lots: $1.65 and $0.66 a deal), one held only 30 s, and deals of an account nobody referred.
    static func deals() -> [TradeDeal] {
        var deals: [TradeDeal] = []
        for index in 0..<40 {
            let opened = Int64(index) * 600_000_000 + 1_000_000_000
            let closed = opened + (index == 7 ? 30_000_000 : 120_000_000)
            for (offset, entry, time) in [(0, DealEntry.entryIn, opened), (1, .entryOut, closed)] {
                deals.append(TradeDeal(ticket: UInt64(index * 2 + offset + 1), login: TradingLogin(1001), positionID: UInt64(index + 1), action: .buy,
                                       entry: entry, reason: 0, symbol: "EURUSD", time: time, price: Price(points: 108_000, digits: 5),
                                       volume: Volume(units: 33_000_000), contractSize: 100_000, profit: .zero))
            }
        }
        deals.append(TradeDeal(ticket: 999, login: TradingLogin(2002), action: .sell, entry: .entryOut, reason: 0, symbol: "EURUSD", time: 5_000_000_000,
                               price: Price(points: 108_000, digits: 5), volume: Volume(units: lot), contractSize: 100_000, profit: .zero))
        return deals.sorted { $0.time < $1.time }
    }

    static func run(_ kind: String, batchSize: Int) async throws -> (db: Database, pipeline: CommissionPipeline, ledger: LedgerStore) {
        let db = try await TestDatabases.make(kind)
        try await setUp(db)
        let store = try DealStore(db: db)
        let all = deals()
        for start in stride(from: 0, to: all.count, by: 13) {
            try await store.store(DealSyncBatch(serverID: "mt5", deals: Array(all[start..<min(all.count, start + 13)]), cursorTime: 0))
        }
        let ledger = try LedgerStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: TestDatabases.logger, batchSize: batchSize)
        var after: Int64 = 0
        while true {
            let batch = try await store.feed(after: after, limit: batchSize)
            guard let last = batch.last else { break }
            try await pipeline.process(DealFeedBatch(deals: batch))
            after = last.seq
        }
        return (db, pipeline, ledger)
    }

    /// `deals()` stored on server mt5 and run through a pipeline to the end of the feed.
    static func ingestSampleDeals(_ db: Database) async throws -> (store: DealStore, ledger: LedgerStore, pipeline: CommissionPipeline) {
        let store = try DealStore(db: db)
        try await store.store(DealSyncBatch(serverID: "mt5", deals: deals(), cursorTime: 0))
        let ledger = try LedgerStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: TestDatabases.logger)
        try await DealCorrectionTests.drain(pipeline, store)
        return (store, ledger, pipeline)
    }

    static func totals(_ db: Database) async throws -> [PartnerID: Int64] {
        try await CommissionReports(db: db, clock: SystemClock()).allTimeTotals().mapValues(\.amount)
    }

    @Test(arguments: TestDatabases.kinds)
    func linesAndPostingsAreExactlyOnceWhateverTheBatchSize(kind: String) async throws {
        let (db, pipeline, ledger) = try await Self.run(kind, batchSize: 1_000)
        defer { Task { await db.close() } }
        // 39 closings held long enough: sub 39 x 0.33 x $5, master 39 x 0.33 x $2.
        let totals = try await Self.totals(db)
        #expect(totals == ["sub": 39 * 165_000_000, "master": 39 * 66_000_000] as [PartnerID: Int64])
        let payable = { (partner: String) in LedgerAccount(kind: .ibCommissionPayable, owner: partner, currency: .usd) }
        #expect(try await ledger.balance(of: payable("sub")) == 39 * 165)
        #expect(try await ledger.balance(of: payable("master")) == 39 * 66)
        #expect(try await ledger.verify().isSound)
        #expect(try await DealFeedCursor(db: db).position(of: CommissionPipeline.consumer) == Int64(Self.deals().count))

        // Replaying every batch changes nothing.
        let store = try DealStore(db: db)
        #expect(try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 0, limit: 10_000))) == 0)
        #expect(try await Self.totals(db) == totals)
        #expect(try await ledger.balance(of: payable("sub")) == 39 * 165)

        // Any line's explanation recomputes exactly what was stored; a deal nobody referred earns nothing and says why.
        let reports = CommissionReports(db: db, clock: SystemClock())
        let stored = try await reports.lines(server: "mt5", ticket: 2)
        let explained = try #require(try await reports.explain(server: "mt5", ticket: 2, currency: .usd))
        #expect(stored.count == 2 && Set(explained.lines.map(\.amount)) == Set(stored.map(\.amount)))
        #expect(explained.notes.contains { $0.contains("pays sub 1.65 USD at level 1 for rule rebate") })
        let unreferred = try #require(try await reports.explain(server: "mt5", ticket: 999, currency: .usd))
        #expect(unreferred.lines.isEmpty && unreferred.notes.first?.contains("attributed to no partner") == true)
        let held = try #require(try await reports.explain(server: "mt5", ticket: 16, currency: .usd))
        #expect(held.lines.isEmpty && held.notes.first?.contains("held 30 s") == true)
        let perLevel = try await reports.totals(from: 0, to: Int64.max / 2)
        #expect(perLevel.map(\.amount).reduce(0, +) == totals.values.reduce(0, +) && perLevel.allSatisfy { $0.deals == 39 })

        // One deal per batch gives the same lines and the same ledger.
        let (single, _, singleLedger) = try await Self.run(kind, batchSize: 1)
        defer { Task { await single.close() } }
        #expect(try await Self.totals(single) == totals)
        #expect(try await singleLedger.balance(of: payable("master")) == 39 * 66)
        #expect(try await singleLedger.verify().isSound)
    }

    @Test(arguments: TestDatabases.kinds)
    func subCentAccrualsAreCarriedNotLost(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        try await Self.setUp(db)
        let builder = BookBuilder(db: db, clock: SystemClock())
        // $0.0035 a deal: nothing is paid until a cent has accrued, and nothing is lost.
        try await builder.plans.save(CommissionPlan(id: "micro", name: "Micro", distribution: .direct, rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "0.35")),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("sub", plan: "micro", from: 1, audit: .system)
        let store = try DealStore(db: db)
        let deals = (0..<7).map { index in
            TradeDeal(ticket: UInt64(index + 1), login: TradingLogin(1001), action: .sell, entry: .entryOut, reason: 0, symbol: "EURUSD",
                      time: Int64(index + 1) * 1_000_000_000, price: Price(points: 108_000, digits: 5), volume: Volume(units: 1_000_000),
                      contractSize: 100_000, profit: .zero)
        }
        try await store.store(DealSyncBatch(serverID: "mt5", deals: deals, cursorTime: 0))
        let ledger = try LedgerStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: TestDatabases.logger)
        for item in try await store.feed(after: 0) { try await pipeline.process(DealFeedBatch(deals: [item])) }
        // 7 x 0.35 cents = 2.45 cents: 2 cents posted, 0.45 carried.
        #expect(try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: "sub", currency: .usd)) == 2)
        let residue = try await CommissionReports(db: db, clock: SystemClock()).residue(of: "sub", currency: .usd)
        #expect(residue == 450_000)
        #expect(try await Self.totals(db)["sub"] == 2_450_000)
    }

    /// A symbol first seen in the middle of a batch makes the books be rebuilt, and a
    /// rebuilt book numbers symbols anew: deals gathered before it keep the numbering
    /// they were mapped with. (A kill test once caught a deal priced as another symbol.)
    @Test(arguments: TestDatabases.kinds)
    func aSymbolFirstSeenMidBatchDoesNotShiftTheOthers(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "fx", name: "FX", rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "1.00", groups: ["fx_majors": "7.00", "fx_minors": "3.00"])),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "fx", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1", partnerID: "ib"), from: 0, audit: .system)
        let store = try DealStore(db: db)
        let ledger = try LedgerStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: TestDatabases.logger)
        func deal(_ ticket: UInt64, _ symbol: String) -> TradeDeal {
            TradeDeal(ticket: ticket, login: TradingLogin(1), action: .sell, entry: .entryOut, reason: 0, symbol: symbol, time: Int64(ticket) * 1_000_000,
                      price: Price(points: 100_000, digits: 5), volume: Volume(units: Self.lot), contractSize: 100_000, profit: .zero)
        }
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(1, "EURUSD")], cursorTime: 0))
        try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 0)))
        // AUDJPY sorts before EURUSD: the rebuilt book numbers EURUSD differently.
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(2, "EURUSD"), deal(3, "AUDJPY"), deal(4, "EURUSD")], cursorTime: 0))
        try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 1)))
        let amounts = try await db.read { sql in
            try await sql.raw("SELECT t.ticket, l.amount FROM commission_lines l JOIN trade_deals t ON t.feed_seq = l.feed_seq ORDER BY t.ticket").all().map {
                (try $0.decode(column: "ticket", as: Int64.self), try $0.decode(column: "amount", as: Int64.self))
            }
        }
        #expect(amounts.map(\.1) == [700_000_000, 700_000_000, 300_000_000, 700_000_000], "\(amounts)")
    }

    /// The bonus coefficient in production: each deal's balance and credit come from
    /// the account's deals before it, across batches, and an explanation recomputes
    /// the same from the whole history.
    @Test(arguments: TestDatabases.kinds)
    func bonusCoefficientUsesTheAccountsMoneyBeforeEachDeal(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "bonus", name: "Bonus-aware", filters: .init(bonusCoefficient: true), rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "10.00")),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "bonus", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1", partnerID: "ib"), from: 0, audit: .system)
        let store = try DealStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(), logger: TestDatabases.logger)
        let dollar: Int64 = 100_000_000
        func money(_ ticket: UInt64, _ action: DealAction, _ amount: Int64) -> TradeDeal {
            TradeDeal(ticket: ticket, login: TradingLogin(1), action: action, entry: .entryIn, symbol: "", time: Int64(ticket) * 1_000_000,
                      profit: PlatformAmount(units: amount * dollar))
        }
        func close(_ ticket: UInt64, profit: Int64 = 0) -> TradeDeal {
            TradeDeal(ticket: ticket, login: TradingLogin(1), action: .sell, entry: .entryOut, symbol: "EURUSD", time: Int64(ticket) * 1_000_000,
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: Self.lot), contractSize: 100_000, profit: PlatformAmount(units: profit * dollar))
        }
        var after: Int64 = 0
        func process(_ deals: [TradeDeal]) async throws {
            try await store.store(DealSyncBatch(serverID: "mt5", deals: deals, cursorTime: 0))
            let batch = try await store.feed(after: after)
            try await pipeline.process(DealFeedBatch(deals: batch))
            after = batch.last?.seq ?? after
        }
        // $100 deposited and $100 of credit: half the money is the client's, so $10 becomes $5.
        try await process([money(1, .balance, 100), money(2, .credit, 100), close(3, profit: 100)])
        // The next batch starts from what the first left: balance 200, credit 100 ($6.666...67);
        // then $300 more deposited and $100 of credit taken back: all the client's own, $10.
        try await process([close(4), money(5, .balance, 300), money(6, .credit, -100), close(7)])
        let amounts = try await db.read { sql in
            try await sql.raw("SELECT t.ticket, l.amount FROM commission_lines l JOIN trade_deals t ON t.feed_seq = l.feed_seq ORDER BY t.ticket").all().map {
                (try $0.decode(column: "ticket", as: Int64.self), try $0.decode(column: "amount", as: Int64.self))
            }
        }
        #expect(amounts.map(\.0) == [3, 4, 7])
        #expect(amounts.map(\.1) == [5 * dollar, 666_666_667, 10 * dollar], "\(amounts)")
        let explained = try #require(try await CommissionReports(db: db, clock: SystemClock()).explain(server: "mt5", ticket: 4, currency: .usd))
        #expect(explained.lines.map(\.amount) == [666_666_667])
        #expect(explained.notes.contains { $0.contains("bonus coefficient") }, "\(explained.notes)")
    }

    /// The broker's instrument catalog decides a symbol's group from the moment it is
    /// set; before, the name decides (a server's suffix does not hide a pair).
    @Test(arguments: TestDatabases.kinds)
    func theInstrumentCatalogSetsASymbolsGroup(kind: String) async throws {
        #expect(InstrumentGroups.guess("EURUSDm") == "fx_majors" && InstrumentGroups.guess("XAUUSD.r") == "metals" && InstrumentGroups.guess("GOLDmicro") == "other")
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "fx", name: "FX", rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "1.00", groups: ["fx_majors": "7.00", "metals": "4.00"])),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "fx", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1", partnerID: "ib"), from: 0, audit: .system)
        let store = try DealStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(), logger: TestDatabases.logger)
        func deal(_ ticket: UInt64, _ symbol: String) -> TradeDeal {
            TradeDeal(ticket: ticket, login: TradingLogin(1), action: .sell, entry: .entryOut, symbol: symbol, time: Int64(ticket) * 1_000_000,
                      price: Price(points: 100_000, digits: 2), volume: Volume(units: Self.lot), contractSize: 100)
        }
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(1, "GOLDmicro"), deal(2, "EURUSDm")], cursorTime: 0))
        try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 0)))
        let catalog = InstrumentCatalog(db: db, clock: SystemClock())
        await #expect(throws: PartnerError.invalid(field: "group", "1 to 32 of a-z, 0-9 and _, as plans name groups (fx_majors, metals...)")) {
            try await catalog.set(symbol: "GOLDmicro", group: "Metals!", profitCurrency: "USD", audit: .system)
        }
        try await catalog.set(symbol: "GOLDmicro", group: "metals", profitCurrency: "USD", from: 3_000_000, audit: .system)
        #expect(try await catalog.entries().map { "\($0.symbol) \($0.group) \($0.isSet)" } == ["EURUSDm fx_majors false", "GOLDmicro metals true"])
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(3, "GOLDmicro")], cursorTime: 0))
        try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 2)))
        let amounts = try await db.read { sql in
            try await sql.raw("SELECT t.ticket, l.amount FROM commission_lines l JOIN trade_deals t ON t.feed_seq = l.feed_seq ORDER BY t.ticket").all().map {
                try $0.decode(column: "amount", as: Int64.self)
            }
        }
        #expect(amounts == [100_000_000, 700_000_000, 400_000_000], "GOLDmicro at the default, then at the metals rate once set")
    }

    /// Oil and gas pay the energies rate because the trade server files them under
    /// Energies, though their names guess `other`; the broker's folder table and its
    /// changes take effect from the moment chosen, and deals before it keep the old group.
    @Test(arguments: TestDatabases.kinds)
    func energiesTakeTheirGroupFromTheServersFolder(kind: String) async throws {
        #expect(InstrumentGroups.guess("XTIUSD") == "other" && InstrumentGroups.guess("XNGUSD") == "other", "the name alone does not tell")
        #expect(InstrumentGroups.group(ofPath: "Forex\\Majors\\EURUSD", folders: ["Forex": "fx_minors", "forex/majors": "fx_majors"]) == "fx_majors")
        #expect(InstrumentGroups.group(ofPath: "Energiesx\\XTIUSD", folders: ["Energies": "energies"]) == nil, "folders match whole names")
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "all", name: "All", rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "1.00", groups: ["energies": "5.00", "metals": "4.00"])),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "all", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1", partnerID: "ib"), from: 0, audit: .system)
        try await SymbolDirectory(db: db).record([
            SymbolSpec(symbol: "XTIUSD", path: "Energies\\XTIUSD", digits: 2, contractSize: 1_000 * Self.lot, baseCurrency: "XTI", profitCurrency: "USD", marginCurrency: "USD"),
            SymbolSpec(symbol: "XNGUSD", path: "Energies\\XNGUSD", digits: 3, contractSize: 10_000 * Self.lot, baseCurrency: "XNG", profitCurrency: "USD", marginCurrency: "USD"),
        ], server: "mt5")
        let store = try DealStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(), logger: TestDatabases.logger)
        func deal(_ ticket: UInt64, _ symbol: String, at seconds: Int64) -> TradeDeal {
            TradeDeal(ticket: ticket, login: TradingLogin(1), action: .sell, entry: .entryOut, symbol: symbol, time: seconds * 1_000_000,
                      price: Price(points: 7_852, digits: 2), volume: Volume(units: Self.lot), contractSize: 1_000)
        }
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(1, "XTIUSD", at: 1), deal(2, "XNGUSD", at: 2)], cursorTime: 0))
        try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 0)))
        let catalog = InstrumentCatalog(db: db, clock: SystemClock())
        #expect(try await catalog.entries().map { "\($0.symbol) \($0.group) \($0.source.rawValue)" } == ["XNGUSD energies folder", "XTIUSD energies folder"])

        // The broker files Energies under metals from second 100: earlier deals keep energies.
        try await catalog.mapFolder("Energies", group: "metals", from: 100_000_000, audit: .system)
        await #expect(throws: PartnerError.invalid(field: "folder", "a folder as the trade server names it, such as Energies or Forex\\Majors")) {
            try await catalog.mapFolder(" \\ ", group: "metals", audit: .system)
        }
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(3, "XTIUSD", at: 50), deal(4, "XTIUSD", at: 150)], cursorTime: 0))
        try await pipeline.process(DealFeedBatch(deals: try await store.feed(after: 2)))
        let amounts = try await db.read { sql in
            try await sql.raw("SELECT t.ticket, l.amount FROM commission_lines l JOIN trade_deals t ON t.feed_seq = l.feed_seq ORDER BY t.ticket").all().map {
                try $0.decode(column: "amount", as: Int64.self)
            }
        }
        #expect(amounts == [500_000_000, 500_000_000, 500_000_000, 400_000_000], "energies by the folder, metals from the moment the broker chose")
        let audit = try await db.read { sql in try await AuditLog.recent(on: sql, limit: 10, entityType: "instrument", entityID: nil) }
        #expect(audit.map(\.entry.action).contains("instrument.folder_map"))
    }
}
