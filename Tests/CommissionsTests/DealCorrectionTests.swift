import BrokerCore
import CommissionsCore
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

/// Deals a trade server changes after they were synced: a dealer's correction, or a
/// cancellation (MT5 turns the deal's action into buy/sell cancelled). The sync stores
/// the new version under a new feed position; the pipeline reverses what it stored
/// for the old version, line by line, and computes the new one.
@Suite struct DealCorrectionTests {
    static func changed(_ deal: TradeDeal, volume: Int64? = nil, action: DealAction? = nil, price: Int64? = nil) -> TradeDeal {
        TradeDeal(ticket: deal.ticket, login: deal.login, order: deal.order, positionID: deal.positionID, action: action ?? deal.action, entry: deal.entry,
                  reason: deal.reason, symbol: deal.symbol, time: deal.time, price: Price(points: price ?? deal.price.points, digits: deal.price.digits),
                  volume: Volume(units: volume ?? deal.volume.units), contractSize: deal.contractSize, profit: deal.profit, commission: deal.commission,
                  swap: deal.swap, fee: deal.fee, comment: deal.comment, externalID: deal.externalID)
    }

    /// A changed deal replaces its stored version under a new feed position; the old
    /// version is kept; an unchanged one is skipped.
    @Test(arguments: TestDatabases.kinds)
    func theSyncStoresAChangedDealAsANewVersion(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        let deals = Array(CommissionPipelineTests.deals().prefix(4))
        #expect(try await store.store(DealSyncBatch(serverID: "mt5", deals: deals, cursorTime: 0)) == 4)
        let first = try await store.feed(after: 0)
        #expect(try await store.store(DealSyncBatch(serverID: "mt5", deals: deals, cursorTime: 0)) == 0, "identical again: nothing")
        let head = try #require(first.last?.seq)
        #expect(try await store.feed(after: head).isEmpty)

        let corrected = Self.changed(deals[1], price: 108_050)
        #expect(try await store.store(DealSyncBatch(serverID: "mt5", deals: [corrected], cursorTime: 0)) == 1)
        let again = try await store.feed(after: head)
        let old = try #require(first.first { $0.deal.ticket == deals[1].ticket })
        #expect(again.count == 1 && again.first?.deal == corrected && again.first?.replaces == old.seq)
        let kept = try await db.read { sql in
            try await sql.raw("SELECT price_points, revision FROM trade_deal_revisions WHERE server_id = 'mt5' AND ticket = \(bind: Int64(deals[1].ticket))")
                .all().map { (try $0.decode(column: "price_points", as: Int64.self), try $0.decode(column: "revision", as: Int.self)) }
        }
        #expect(kept.map(\.0) == [108_000] && kept.map(\.1) == [0], "the version before, as it was")
        #expect(try await store.count(serverID: "mt5") == 4)
    }

    /// Corrections and cancellations after the lines were computed: every deal's
    /// stored lines net to what its current version earns, a cancelled deal's to
    /// nothing, the ledger follows the lines, and a replay changes nothing.
    @Test(arguments: TestDatabases.kinds)
    func correctionsAndCancellationsAreReversedLineByLine(kind: String) async throws {
        let (db, pipeline, ledger) = try await CommissionPipelineTests.run(kind, batchSize: 9)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        let reports = CommissionReports(db: db, clock: SystemClock())
        let deals = CommissionPipelineTests.deals()
        let closings = deals.filter { $0.entry == .entryOut && $0.login == TradingLogin(1001) }
        let doubled = Self.changed(closings[3], volume: 2 * closings[3].volume.units)
        let cancelled = Self.changed(closings[5], action: .buyCanceled)
        let before = try await reports.lines(server: "mt5", ticket: cancelled.ticket)
        #expect(!before.isEmpty)

        try await store.store(DealSyncBatch(serverID: "mt5", deals: [doubled, cancelled], cursorTime: 0))
        try await Self.drain(pipeline, store)
        // A second correction of the same deal reverses the first correction's lines.
        let restored = Self.changed(doubled, volume: closings[3].volume.units)
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [restored], cursorTime: 0))
        try await Self.drain(pipeline, store)

        let cancelledLines = try await reports.lines(server: "mt5", ticket: cancelled.ticket)
        #expect(CommissionReports.net(cancelledLines).isEmpty, "a cancelled deal earns nothing in the end")
        #expect(cancelledLines.filter { $0.reverses != 0 }.map(\.amount).sorted() == before.map { -$0.amount }.sorted())
        let restoredLines = try await reports.lines(server: "mt5", ticket: restored.ticket)
        #expect(restoredLines.filter { $0.reverses != 0 }.count == 2 * restoredLines.filter { $0.reverses == 0 && $0.seq == restoredLines.first?.seq }.count)
        let explained = try #require(try await reports.explain(server: "mt5", ticket: restored.ticket, currency: .usd))
        #expect(CommissionReports.net(restoredLines) == CommissionReports.net(explained.lines))

        try await Self.expectMatchesRecomputation(db, ledger)
        let linesBefore = try await reports.allTimeTotals()
        try await pipeline.consume(DealFeed(store: store).batches(for: "replay", batchSize: 5, endWhenDrained: true))
        #expect(try await reports.allTimeTotals().mapValues(\.amount) == linesBefore.mapValues(\.amount), "a replay changes nothing")
    }

    /// Any sequence of corrections and cancellations, at any batch size, nets to the
    /// recomputation, and the reversing lines of each deal net its earlier versions to zero.
    @Test func reversalsNetToZeroWhateverTheCorrections() async throws {
        await propertyCheck(count: 8, input: Gen.int(in: 0...39).array(of: 1...6), Gen.int(in: 0...2).array(of: 6...6), Gen.int(in: 1...12)) { picks, kinds, batch in
            do {
                let (db, pipeline, ledger) = try await CommissionPipelineTests.run("sqlite", batchSize: batch)
                defer { Task { await db.close() } }
                let store = try DealStore(db: db)
                var current = Dictionary(uniqueKeysWithValues: CommissionPipelineTests.deals().map { ($0.ticket, $0) })
                let closings = CommissionPipelineTests.deals().filter { $0.entry == .entryOut && $0.login == TradingLogin(1001) }
                for (index, pick) in picks.enumerated() {
                    let ticket = closings[pick].ticket
                    guard let deal = current[ticket] else { continue }
                    let next = switch kinds[index] {
                    case 0: Self.changed(deal, volume: deal.volume.units + 10_000_000)
                    case 1: Self.changed(deal, action: .buyCanceled)
                    default: Self.changed(deal, action: .buy, price: deal.price.points + 7)
                    }
                    current[ticket] = next
                    try await store.store(DealSyncBatch(serverID: "mt5", deals: [next], cursorTime: 0))
                    if index % 2 == 1 { try await Self.drain(pipeline, store) }
                }
                try await Self.drain(pipeline, store)
                try await Self.expectMatchesRecomputation(db, ledger)
                let reports = CommissionReports(db: db, clock: SystemClock())
                for ticket in Set(picks.map { closings[$0].ticket }) {
                    let lines = try await reports.lines(server: "mt5", ticket: ticket)
                    let latest = lines.map(\.seq).max() ?? 0
                    let earlier = lines.filter { $0.seq < latest || $0.reverses != 0 }
                    #expect(earlier.reduce(0) { $0 + $1.amount } == 0, "ticket \(ticket): earlier versions and their reversals net to zero")
                }
            } catch {
                Issue.record(error)
            }
        }
    }

    static func drain(_ pipeline: CommissionPipeline, _ store: DealStore) async throws {
        try await pipeline.consume(DealFeed(store: store).batches(for: CommissionPipeline.consumer, batchSize: 7, endWhenDrained: true))
    }

    /// Stored lines per partner equal a recomputation over the current deals; the
    /// ledger holds them to the cent with the residue carried.
    static func expectMatchesRecomputation(_ db: Database, _ ledger: LedgerStore) async throws {
        let reports = CommissionReports(db: db, clock: SystemClock())
        let stored = try await reports.allTimeTotals().mapValues(\.amount).filter { $0.value != 0 }
        let inForce = try #require(try await PlanStore(db: db, clock: SystemClock()).plans(at: 1)["gold"])
        let recomputed = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: inForce, from: 0, to: Int64.max / 2)
        #expect(stored == Dictionary(uniqueKeysWithValues: recomputed.rows.map { ($0.partner, $0.current) }).filter { $0.value != 0 })
        for (partner, total) in stored {
            let posted = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: partner, currency: .usd))
            #expect(try await posted * 1_000_000 + reports.residue(of: partner, currency: .usd) == total, "\(partner)")
        }
        #expect(try await ledger.verify().isSound)
    }
}

/// Recalculating a period after a plan was corrected back in time: only deals whose
/// result differs go through the pipeline again, and only differences are posted.
@Suite struct CommissionRecalculationTests {
    @Test(arguments: TestDatabases.kinds)
    func recalculationRequeuesOnlyWhatDiffersAndPostsTheDifference(kind: String) async throws {
        let (db, pipeline, ledger) = try await CommissionPipelineTests.run(kind, batchSize: 9)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        let reports = CommissionReports(db: db, clock: SystemClock())
        let recalculation = CommissionRecalculation(db: db, deals: store, clock: SystemClock())
        let unchanged = try await recalculation.run(from: 0, to: Int64.max / 2, audit: .system)
        #expect(unchanged.checked == CommissionPipelineTests.deals().count && unchanged.requeued == 0, "the books did not change: nothing to redo")

        // Sub's plan corrected from the start: $6 a lot instead of $5 (master's difference falls from $2 to $1).
        try await BookBuilder(db: db, clock: SystemClock()).plans.save(CommissionPlan(id: "silver", name: "Silver", filters: .init(minHoldSeconds: 60), rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "6.00")),
        ]), effectiveFrom: 0, audit: .system)
        let closings = CommissionPipelineTests.deals().filter { $0.entry == .entryOut && $0.login == TradingLogin(1001) }
        let middle = closings[20].time
        let secondHalf = try await recalculation.run(from: middle, to: Int64.max / 2, audit: .system)
        #expect(secondHalf.requeued == closings.filter { $0.time >= middle }.count, "every closing deal of the period earns differently now")
        try await DealCorrectionTests.drain(pipeline, store)
        #expect(try await reports.lines(server: "mt5", ticket: closings[2].ticket).allSatisfy { $0.reverses == 0 }, "before the period: untouched")
        let redone = try await reports.lines(server: "mt5", ticket: closings[30].ticket)
        #expect(CommissionReports.net(redone) == CommissionReports.net(try #require(try await reports.explain(server: "mt5", ticket: closings[30].ticket,
                                                                                                              currency: .usd)).lines))

        let rest = try await recalculation.run(from: 0, to: Int64.max / 2, audit: .system)
        #expect(rest.requeued == closings.filter { $0.time < middle }.count - 1, "the rest, less the deal held too briefly to earn")
        try await DealCorrectionTests.drain(pipeline, store)
        try await DealCorrectionTests.expectMatchesRecomputation(db, ledger)
        #expect(try await recalculation.run(from: 0, to: Int64.max / 2, audit: .system).requeued == 0, "recalculating again changes nothing")
    }
}
