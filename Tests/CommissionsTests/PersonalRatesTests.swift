import BrokerCore
import CommissionsCore
import LedgerCore
import Money
import Partners
import Platform
import TestSupport
import Testing
import Commissions
import Trading
import Ledger

/// A partner's personal rate: its own copy of its plan, effective from a moment,
/// leaving what was earned before as it was.
@Suite struct PersonalRatesTests {
    @Test(arguments: TestDatabases.kinds)
    func aPersonalRateAppliesFromItsMomentOn(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        try await CommissionPipelineTests.setUp(db)
        let plans = PlanStore(db: db, clock: SystemClock())
        let deals = CommissionPipelineTests.deals()
        let closings = deals.filter { $0.entry == .entryOut && $0.login == TradingLogin(1001) }
        let moment = closings[20].time - 1
        await #expect(throws: PartnerError.invalid(field: "rule", "plan silver has no rule nope")) {
            try await plans.override(partner: "sub", rule: "nope", target: .byDefault, rate: "6.00", from: moment, audit: .system)
        }
        await #expect(throws: PartnerError.invalid(field: "rate", "rules[0].rates.symbols.EURUSD: x is not a non-negative amount with at most 8 decimals")) {
            try await plans.override(partner: "sub", rule: "rebate", target: .symbol("EURUSD"), rate: "x", from: moment, audit: .system)
        }
        let personal = try await plans.override(partner: "sub", rule: "rebate", target: .byDefault, rate: "6.00", from: moment, audit: .system)
        #expect(personal.id == "silver--sub" && personal.rules.first?.rates.defaultValue == "6.00")
        let earlier = try await plans.assignments(at: moment - 1)["sub"]
        #expect(try await plans.assignments(at: moment)["sub"] == "silver--sub" && earlier == "silver")
        // Overriding again makes the personal plan's next version.
        let second = try await plans.override(partner: "sub", rule: "rebate", target: .symbol("EURUSD"), rate: "6.50", from: moment, audit: .system)
        #expect(second.id == "silver--sub" && second.version == 2)

        let store = try DealStore(db: db)
        try await store.store(DealSyncBatch(serverID: "mt5", deals: deals, cursorTime: 0))
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(), logger: TestDatabases.logger)
        try await DealCorrectionTests.drain(pipeline, store)
        let reports = CommissionReports(db: db, clock: SystemClock())
        let before = try await reports.lines(server: "mt5", ticket: closings[10].ticket)
        let after = try await reports.lines(server: "mt5", ticket: closings[30].ticket)
        // 0.33 lots: $5 and $2 before; $6.50 (EURUSD) and $0.50 after.
        #expect(before.map(\.amount).sorted() == [66_000_000, 165_000_000])
        #expect(after.map(\.amount).sorted() == [16_500_000, 214_500_000])
    }
}
