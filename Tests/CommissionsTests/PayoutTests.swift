import BrokerCore
import CommissionsCore
import LedgerCore
import Money
import Partners
import SQLKit
import Platform
import TestSupport
import Testing
import Commissions
import Trading
import Ledger

/// Paying partners: periods, minimums, approval, conversion at a recorded rate,
/// exactly-once ledger movements and statements.
@Suite struct PayoutTests {
    static let day: Int64 = 86_400_000_000

    @Test func periodsAreUTCDaysMondayWeeksAndCalendarMonths() throws {
        let time = try #require(CivilDay.start("2026-11-25")) * 1_000_000 + 3_600_000_000   // a Wednesday, 01:00
        #expect(PayoutSchedule.daily.period(containing: time).key == "2026-11-25")
        #expect(PayoutSchedule.daily.periodToSettle(at: time).key == "2026-11-24")
        let week = PayoutSchedule.weekly.period(containing: time)
        #expect(week.key == "week-of-2026-11-23" && week.end - week.start == 7 * Self.day)
        #expect(PayoutSchedule.monthly.period(containing: time).key == "2026-11")
        #expect(PayoutSchedule.monthly.periodToSettle(at: time).key == "2026-10")
        let december = try #require(CivilDay.start("2026-12-31")) * 1_000_000
        let month = PayoutSchedule.monthly.period(containing: december)
        let newYear = try #require(CivilDay.start("2027-01-01")) * 1_000_000
        #expect(month.key == "2026-12" && month.end == newYear)
        let february = PayoutSchedule.monthly.period(containing: (try #require(CivilDay.start("2028-02-10"))) * 1_000_000)
        #expect(february.end - february.start == 29 * Self.day, "2028 is a leap year")
        #expect(CivilDay.text(of: try #require(CivilDay.start("1999-03-01"))) == "1999-03-01")
    }

    /// Master ($7) over sub ($5), both with a user; client account mt5:1001 is sub's.
    static func setUp(_ kind: String) async throws -> (Database, CommissionPipeline, LedgerStore, DealStore) {
        let db = try await TestDatabases.make(kind)
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "master", userID: "user-master", name: "Master", agreementAcceptedAt: 1), parent: nil, from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "sub", userID: "user-sub", name: "Sub", agreementAcceptedAt: 1), parent: "master", from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "nouser", name: "No user"), parent: nil, from: 0, audit: .system)
        for (id, rate) in [("gold", "7.00"), ("silver", "5.00")] {
            try await builder.plans.save(CommissionPlan(id: id, name: id, rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: rate))]),
                                         effectiveFrom: 0, audit: .system)
        }
        try await builder.plans.assign("master", plan: "gold", from: 0, audit: .system)
        try await builder.plans.assign("sub", plan: "silver", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1001", partnerID: "sub"), from: 0, audit: .system)
        let (store, ledger, pipeline) = try await CommissionPipelineTests.ingestSampleDeals(db)
        return (db, pipeline, ledger, store)
    }

    @Test(arguments: TestDatabases.kinds)
    func partnersArePaidOncePerPeriodAfterApprovalInTheirCurrency(kind: String) async throws {
        let (db, _, ledger, _) = try await Self.setUp(kind)
        defer { Task { await db.close() } }
        let payouts = PayoutStore(db: db, ledger: ledger, clock: SystemClock())
        let payable = { (partner: String) in try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: partner, currency: .usd)) }
        let subOwed = try await payable("sub"), masterOwed = try await payable("master")
        #expect(subOwed > 0 && masterOwed > 0)

        await #expect(throws: PayoutError.invalid(field: "method", "the partner has no user whose wallet could be paid")) {
            try await payouts.save(PayoutSettings(partnerID: "nouser"), audit: .system)
        }
        await #expect(throws: PayoutError.invalid(field: "target", "SERVER:LOGIN of a trading account")) {
            try await payouts.save(PayoutSettings(partnerID: "sub", method: .tradingAccount, target: "mt5"), audit: .system)
        }
        try await payouts.save(PayoutSettings(partnerID: "sub", schedule: .monthly, minimumMinor: 100, currency: "USD", needsApproval: true), audit: .system)
        try await payouts.save(PayoutSettings(partnerID: "master", schedule: .daily, currency: "EUR", needsApproval: false), audit: .system)
        let eur = try #require(Currency(code: "EUR"))
        _ = try await ExchangeRateStore(db: db, clock: SystemClock()).record(try ExchangeRate(base: .usd, quote: eur, parsing: "0.9"), source: "test",
                                                                            effectiveAt: 0, id: "usd-eur-1")

        let now = try #require(CivilDay.start("2026-12-02")) * 1_000_000
        let first = try await payouts.run(at: now, audit: .system)
        #expect(first.created.sorted() == ["po-master-2026-12-01", "po-sub-2026-11"] && first.paid == ["po-master-2026-12-01"])
        let master = try #require(try await payouts.payout("po-master-2026-12-01"))
        #expect(master.status == .paid && master.amountMinor == masterOwed && master.payoutMinor == (masterOwed * 9 + 5) / 10 && master.rateID == "usd-eur-1")
        #expect(try await ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: "user-master", currency: eur)) == master.payoutMinor)
        #expect(try await payable("master") == 0)

        let again = try await payouts.run(at: now + 3_600_000_000, audit: .system)
        #expect(again.created.isEmpty && again.paid.isEmpty, "the same periods again: nothing")
        #expect(try await payable("sub") == subOwed, "awaiting approval: nothing moved yet")
        try await payouts.approve("po-sub-2026-11", audit: .system)
        #expect(try await payouts.payout("po-sub-2026-11")?.status == .paid)
        #expect(try await ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: "user-sub", currency: .usd)) == subOwed)
        #expect(try await payable("sub") == 0)
        await #expect(throws: PayoutError.wrongStatus("po-sub-2026-11", .paid)) { try await payouts.approve("po-sub-2026-11", audit: .system) }

        // A crash after the ledger moved but before the payout was marked paid: the next run finishes it, paying nothing twice.
        try await db.transaction { sql in try await sql.raw("UPDATE payouts SET status = 'approved' WHERE id = 'po-sub-2026-11'").run() }
        #expect(try await payouts.run(at: now + 7_200_000_000, audit: .system).paid == ["po-sub-2026-11"])
        #expect(try await ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: "user-sub", currency: .usd)) == subOwed)
        #expect(try await ledger.verify().isSound)

        let statement = try #require(try await payouts.statement("po-sub-2026-11"))
        let november = try #require(CivilDay.start("2026-11-01")) * 1_000_000
        // The sample deals are of 1970 and were never paid: the first payout pays and lists them, so its statement starts with them.
        #expect(statement.to == november + 30 * Self.day && statement.from == 0 && statement.days.allSatisfy { $0.rule == "rebate" })
        #expect(statement.accrued / 1_000_000 == subOwed, "the statement explains every cent it paid")
    }

    /// A period pays what was earned up to its end: a deal of the next period, already
    /// in the balance when the run comes, waits for the next payout.
    @Test(arguments: TestDatabases.kinds)
    func aPeriodPaysWhatWasEarnedUpToItsEnd(kind: String) async throws {
        let (db, pipeline, ledger, store) = try await Self.setUp(kind)
        defer { Task { await db.close() } }
        let payable = LedgerAccount(kind: .ibCommissionPayable, owner: "sub", currency: .usd)
        let before = try await ledger.balance(of: payable)
        let december = try #require(CivilDay.start("2026-12-01")) * 1_000_000
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [
            TradeDeal(ticket: 5_001, login: TradingLogin(1001), action: .sell, entry: .entryOut, symbol: "EURUSD", time: december + 3_600_000_000,
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: CommissionPipelineTests.lot), contractSize: 100_000),
        ], cursorTime: 0))
        try await DealCorrectionTests.drain(pipeline, store)
        #expect(try await ledger.balance(of: payable) == before + 500, "$5 earned on December 1st")
        let payouts = PayoutStore(db: db, ledger: ledger, clock: SystemClock())
        try await payouts.save(PayoutSettings(partnerID: "sub", schedule: .monthly, needsApproval: false), audit: .system)
        _ = try await payouts.run(at: december + 86_400_000_000, audit: .system)
        #expect(try await payouts.payout("po-sub-2026-11")?.amountMinor == before)
        #expect(try await ledger.balance(of: payable) == 500)
        let january = try #require(CivilDay.start("2027-01-01")) * 1_000_000
        _ = try await payouts.run(at: january + 60_000_000, audit: .system)
        #expect(try await payouts.payout("po-sub-2026-12")?.amountMinor == 500)
        #expect(try await ledger.balance(of: payable) == 0)
        #expect(try await ledger.verify().isSound)
    }

    /// A rejected payout moves nothing and its amount is paid with the next period.
    @Test func aRejectedPayoutIsPaidWithTheNextPeriod() async throws {
        let (db, _, ledger, _) = try await Self.setUp("sqlite")
        defer { Task { await db.close() } }
        let payouts = PayoutStore(db: db, ledger: ledger, clock: SystemClock())
        let owed = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: "sub", currency: .usd))
        try await payouts.save(PayoutSettings(partnerID: "sub", schedule: .weekly, minimumMinor: owed + 1), audit: .system)
        let monday = try #require(CivilDay.start("2026-11-23")) * 1_000_000
        #expect(try await payouts.run(at: monday, audit: .system).skipped["sub"]?.contains("below the minimum") == true)
        try await payouts.save(PayoutSettings(partnerID: "sub", schedule: .weekly, minimumMinor: 0), audit: .system)
        #expect(try await payouts.run(at: monday, audit: .system).created == ["po-sub-week-of-2026-11-16"])
        await #expect(throws: PayoutError.invalid(field: "note", "a reason is required")) { try await payouts.reject("po-sub-week-of-2026-11-16", note: " ", audit: .system) }
        try await payouts.reject("po-sub-week-of-2026-11-16", note: "bank details missing", audit: .system)
        #expect(try await payouts.payout("po-sub-week-of-2026-11-16")?.status == .rejected)
        let next = try await payouts.run(at: monday + 7 * Self.day, audit: .system)
        #expect(next.created == ["po-sub-week-of-2026-11-23"])
        #expect(try await payouts.payout("po-sub-week-of-2026-11-23")?.amountMinor == owed)

        // Real time: paid as soon as there is a balance; the statement covers everything since the last payout.
        try await payouts.reject("po-sub-week-of-2026-11-23", note: "switching to real time", audit: .system)
        try await payouts.save(PayoutSettings(partnerID: "sub", schedule: .realtime, needsApproval: false), audit: .system)
        let realtime = try await payouts.run(at: monday + 8 * Self.day, audit: .system)
        let id = try #require(realtime.created.first)
        #expect(realtime.paid == [id])
        let statement = try #require(try await payouts.statement(id))
        #expect(statement.from == 0 && statement.accrued / 1_000_000 == owed && !statement.days.isEmpty, "the whole balance, explained by day")
    }

    /// A paid payout's statement is frozen at what was paid: it starts at the first
    /// commission (not 1970), and a deal that arrives late for a day it covers, or a
    /// payout after it, changes neither its lines nor its span.
    @Test(arguments: TestDatabases.kinds)
    func aPaidStatementIsFrozenAtWhatWasPaid(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", userID: "user-ib", name: "IB", agreementAcceptedAt: 1), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "flat", name: "Flat", rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: "5.00"))]),
                                     effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "flat", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:7", partnerID: "ib"), from: 0, audit: .system)
        let store = try DealStore(db: db)
        let ledger = try LedgerStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: TestDatabases.logger)
        let first = try #require(CivilDay.start("2026-11-20")) * 1_000_000
        func deal(_ ticket: UInt64, at time: Int64) -> TradeDeal {
            TradeDeal(ticket: ticket, login: TradingLogin(7), action: .sell, entry: .entryOut, symbol: "EURUSD", time: time,
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: 100_000_000), contractSize: 100_000)
        }
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(1, at: first + 3_600_000_000), deal(2, at: first + Self.day)], cursorTime: 0))
        try await DealCorrectionTests.drain(pipeline, store)
        let payouts = PayoutStore(db: db, ledger: ledger, clock: SystemClock())
        try await payouts.save(PayoutSettings(partnerID: "ib", schedule: .realtime, needsApproval: false), audit: .system)
        let paidAt = first + 5 * Self.day
        let run = try await payouts.run(at: paidAt, audit: .system)
        let id = try #require(run.created.first)
        #expect(run.paid == [id])
        let statement = try #require(try await payouts.statement(id))
        #expect(statement.from == first && statement.to == paidAt + 1, "from the first commission's day to the moment of payment")
        #expect(statement.accrued == 10 * 100_000_000 && statement.days.count == 2)

        // A deal of a day the statement covers arrives after payment: it waits for the next payout.
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [deal(3, at: first + 2 * Self.day)], cursorTime: 0))
        try await DealCorrectionTests.drain(pipeline, store)
        #expect(try await payouts.statement(id) == statement)
        let next = try await payouts.run(at: paidAt + Self.day, audit: .system)
        let nextID = try #require(next.created.first)
        let later = try #require(try await payouts.statement(nextID))
        #expect(later.payout.amountMinor == 500 && later.from == first + 2 * Self.day && later.accrued == 5 * 100_000_000,
                "the late deal is explained by the payout that pays it")
        #expect(try await payouts.statement(id) == statement, "the first statement still shows what it paid")
    }
}
