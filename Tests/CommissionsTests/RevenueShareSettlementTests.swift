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

/// Revenue share settled per period from the deals of the partner's clients, with
/// a losing period carried into the next.
@Suite struct RevenueShareSettlementTests {
    static func month(_ text: String) throws -> Int64 { try #require(CivilDay.start(text)) * 1_000_000 }

    @Test(arguments: TestDatabases.kinds)
    func revenueShareCarriesALosingMonthIntoTheNext(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "rs", name: "Revenue share", rules: [], revenueShare: .init(share: "30%", period: .monthly)),
                                     effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "rs", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:7", partnerID: "ib"), from: 0, audit: .system)
        let store = try DealStore(db: db)
        // What the client made each month (closed trades; a commission of 2.00 paid in January).
        let months: [(String, Int64, Int64)] = [("1970-01-10", -100, -2), ("1970-02-10", 300, 0), ("1970-03-10", -200, 0), ("1970-04-10", -500, 0)]
        for (index, (day, profit, commission)) in months.enumerated() {
            try await store.store(DealSyncBatch(serverID: "mt5", deals: [
                TradeDeal(ticket: UInt64(index + 1), login: TradingLogin(7), action: .sell, entry: .entryOut, symbol: "EURUSD", time: try Self.month(day),
                          volume: Volume(units: 100_000_000), contractSize: 100_000, profit: PlatformAmount(units: profit * 100_000_000),
                          commission: PlatformAmount(units: commission * 100_000_000)),
            ], cursorTime: 0))
        }
        let ledger = try LedgerStore(db: db)
        let settlement = RevenueShareSettlement(db: db, ledger: ledger, clock: SystemClock())
        let dollars: Int64 = 100_000_000
        var outcomes: [(net: Int64, carryIn: Int64, payout: Int64, carryOut: Int64)] = []
        for run in ["1970-02-01", "1970-03-01", "1970-04-01", "1970-05-01"] {
            let results = try await settlement.run(at: try Self.month(run) + 60_000_000, audit: .system)
            #expect(results.count == 1 && results.first?.skipped == [])
            if let result = results.first { outcomes.append((result.net, result.carryIn, result.payout, result.carryOut)) }
            #expect(try await settlement.run(at: try Self.month(run) + 120_000_000, audit: .system).isEmpty, "once per period")
        }
        #expect(outcomes.map(\.net) == [102 * dollars, -300 * dollars, 200 * dollars, 500 * dollars])
        #expect(outcomes.map(\.carryIn) == [0, 0, -300 * dollars, -100 * dollars])
        #expect(outcomes.map(\.payout) == [3_060_000_000, 0, 0, 120 * dollars], "30% of 102.00, then 30% of 400.00")
        #expect(outcomes.map(\.carryOut) == [0, -300 * dollars, -100 * dollars, 0])
        #expect(try await settlement.periods(of: "ib").map(\.periodKey) == ["1970-04", "1970-03", "1970-02", "1970-01"])
        #expect(try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: "ib", currency: .usd)) == 15_060)
        let totals = try await CommissionReports(db: db, clock: SystemClock()).totals(from: 0, to: try Self.month("1970-05-01"), partner: "ib")
        #expect(totals.map(\.rule) == ["revenue_share"] && totals.map(\.amount) == [15_060_000_000])
        #expect(try await ledger.verify().isSound)
    }

    /// Spread earned counts as revenue; an account in euros is converted at the rate
    /// recorded for the period's end; one in pounds without a rate is left out, named.
    @Test(arguments: TestDatabases.kinds)
    func revenueShareCountsSpreadAndConvertsOtherCurrencies(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "rs", name: "Revenue share", rules: [], revenueShare: .init(
            share: "30%", period: .monthly, spreadPerLot: .init(default: "5.00", symbols: ["EURUSD": "10.00"]))), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "rs", from: 0, audit: .system)
        let dollars: Int64 = 100_000_000
        let store = try DealStore(db: db)
        for (login, currency, lost, lots) in [(7, "USD", 100, 1), (8, "EUR", 50, 2), (9, "GBP", 40, 1)] as [(Int64, String, Int64, Int64)] {
            try await db.transaction { sql in
                try await sql.raw("""
                    INSERT INTO trading_accounts (server_id, login, user_id, account_type_id, mt_group, currency, leverage, status, trading_enabled,
                        request_id, last_error, created_at, updated_at)
                    VALUES ('mt5', \(bind: login), 'client', 'standard', 'real', \(bind: currency), 100, 'active', 1, \(bind: "r\(login)"), '', 0, 0)
                    """).run()
            }
            try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:\(login)", partnerID: "ib"), from: 0, audit: .system)
            try await store.store(DealSyncBatch(serverID: "mt5", deals: [
                TradeDeal(ticket: UInt64(login), login: TradingLogin(UInt64(login)), action: .sell, entry: .entryOut, symbol: "EURUSD",
                          time: try Self.month("1970-01-10"), volume: Volume(units: lots * 100_000_000), contractSize: 100_000,
                          profit: PlatformAmount(units: -lost * dollars)),
            ], cursorTime: 0))
        }
        try await ExchangeRateStore(db: db).record(try ExchangeRate(base: .eur, quote: .usd, parsing: "1.10"), source: "test", effectiveAt: 0, id: "eurusd")
        let settlement = RevenueShareSettlement(db: db, ledger: try LedgerStore(db: db), clock: SystemClock())
        let results = try await settlement.run(at: try Self.month("1970-02-01") + 60_000_000, audit: .system)
        // $100 + $10 of spread, EUR 50 at 1.10 = $55 + $20 of spread: $185 net, 30% = $55.50.
        #expect(results.map(\.net) == [185 * dollars])
        #expect(results.map(\.payout) == [5_550_000_000])
        #expect(results.map(\.skipped) == [["mt5:9"]])
    }

    @Test func aPlanNeedsRulesOrARevenueShare() throws {
        #expect(throws: PlanValidationError(path: "rules", message: "a plan needs at least one rule, a revenue share or a CPA")) {
            try CommissionPlan(id: "x", name: "X", rules: []).validate()
        }
        #expect(throws: PlanValidationError(path: "revenue_share.period", message: "daily, weekly or monthly")) {
            try CommissionPlan(id: "x", name: "X", rules: [], revenueShare: .init(share: "30%", period: .realtime)).validate()
        }
        let json = #"{"id":"x","name":"X","revenue_share":{"share":"130%","period":"monthly"}}"#
        #expect(throws: PlanValidationError(path: "revenue_share.share", message: "130% is not a percentage from 0% to 100%")) {
            try PlanValidationError.plan(fromJSON: Array(json.utf8))
        }
    }
}
