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

/// Volume tiers closed at the end of their period: real time pays the base rate,
/// the period end posts what the tiers add, once.
@Suite struct TierSettlementTests {
    static let ladder = CommissionPlan.VolumeTiers(mode: .ladder, period: .monthly, steps: [
        .init(fromLots: "0", rate: "5.00"), .init(fromLots: "5", rate: "8.00"),
    ])

    @Test(arguments: TestDatabases.kinds)
    func aLadderIsSettledOnceAtTheEndOfTheMonth(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "master", name: "Master"), parent: nil, from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "sub", name: "Sub"), parent: "master", from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "gold", name: "Gold", rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: "7.00"))]),
                                     effectiveFrom: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "silver", name: "Silver", rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "5.00"), tiers: Self.ladder),
        ]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("master", plan: "gold", from: 0, audit: .system)
        try await builder.plans.assign("sub", plan: "silver", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1001", partnerID: "sub"), from: 0, audit: .system)
        let ledger = try await CommissionPipelineTests.ingestSampleDeals(db).ledger
        let reports = CommissionReports(db: db, clock: SystemClock())
        let paid = try #require(try await reports.allTimeTotals()["sub"]?.amount)
        let closingLots = CommissionPipelineTests.deals().filter { $0.entry == .entryOut && $0.login == TradingLogin(1001) }.reduce(0) { $0 + $1.volume.units }

        let settlement = TierSettlement(db: db, ledger: ledger, clock: SystemClock())
        let january = try await settlement.run(at: 3_600_000_000, audit: .system)
        #expect(january.isEmpty, "January 1970 has not ended yet")
        let february = try #require(CivilDay.start("1970-02-01")) * 1_000_000 + 3_600_000_000
        let made = try await settlement.run(at: february, audit: .system)
        let expected = try #require(Self.ladder.schedule).amount(for: closingLots)
        #expect(made == [TierSettlement.Adjustment(partner: "sub", rule: "rebate", periodKey: "1970-01", lots: closingLots, paid: paid, target: expected,
                                                   amount: expected - paid)])
        #expect(expected > paid, "13.2 lots: 5 at $5 and 8.2 at $8")
        #expect(try await settlement.run(at: february + 86_400_000_000, audit: .system).isEmpty, "settled once")
        #expect(try await settlement.adjustments(of: "sub") == made, "kept with the numbers it came from")

        // The month's totals include the adjustment; the ledger holds it to the cent with the residue carried.
        let month = try await reports.totals(from: 0, to: try #require(CivilDay.start("1970-02-01")) * 1_000_000, partner: "sub")
        #expect(month.reduce(0) { $0 + $1.amount } == expected)
        let posted = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: "sub", currency: .usd))
        #expect(try await posted * 1_000_000 + reports.residue(of: "sub", currency: .usd) == expected)
        #expect(try await ledger.verify().isSound)
    }

    @Test func tiersAreValidatedWithTheirPaths() throws {
        let rising = CommissionPlan(id: "t", name: "T", rules: [.init(id: "r", kind: .perLot, rates: .init(default: "1.00"), tiers: .init(mode: .flat, steps: [
            .init(fromLots: "0", rate: "1.00"), .init(fromLots: "0", rate: "2.00"),
        ]))])
        #expect(throws: PlanValidationError(path: "rules[0].tiers.steps[1].from_lots", message: "steps must rise")) { try rising.validate() }
        let spread = CommissionPlan(id: "t", name: "T", rules: [.init(id: "r", kind: .commissionShare, share: "10%", tiers: Self.ladder)])
        #expect(throws: PlanValidationError(path: "rules[0].tiers", message: "only per-lot rules have volume tiers")) { try spread.validate() }
        let json = #"{"id":"t","name":"T","rules":[{"id":"r","kind":"per_lot","rates":{"default":"1"},"tiers":{"mode":"ladder","period":"weekly","steps":[{"from_lots":"0","rate":"1.00"},{"from_lots":"10","rate":"x"}]}}]}"#
        #expect(throws: PlanValidationError(path: "rules[0].tiers.steps[1].rate", message: "x is not a non-negative amount with at most 8 decimals")) {
            try PlanValidationError.plan(fromJSON: Array(json.utf8))
        }
    }

    /// A cap per period takes back, once, what the partner earned above it; a real-time
    /// payout in the middle of the period never pays what the cap will take back.
    @Test(arguments: TestDatabases.kinds)
    func aCapPerPeriodTakesBackTheExcessOnce(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", userID: "user-ib", name: "IB", agreementAcceptedAt: 1), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(CommissionPlan(id: "capped", name: "Capped", filters: .init(capPerPeriod: .init(amount: "10.00", period: .monthly)),
                                                    rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: "5.00"))]), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "capped", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:1001", partnerID: "ib"), from: 0, audit: .system)
        let ledger = try await CommissionPipelineTests.ingestSampleDeals(db).ledger
        let reports = CommissionReports(db: db, clock: SystemClock())
        let earned = try #require(try await reports.allTimeTotals()["ib"]?.amount)
        let payouts = PayoutStore(db: db, ledger: ledger, clock: SystemClock())
        try await payouts.save(PayoutSettings(partnerID: "ib", schedule: .realtime, needsApproval: false), audit: .system)
        let midJanuary = try #require(CivilDay.start("1970-01-15")) * 1_000_000
        let paidOut = try #require(try await payouts.run(at: midJanuary, audit: .system).paid.first)
        #expect(try await payouts.payout(paidOut)?.amountMinor == 1_000, "the cap, not what was earned")
        let caps = PeriodCapSettlement(db: db, ledger: ledger, clock: SystemClock())
        let february = try #require(CivilDay.start("1970-02-01")) * 1_000_000 + 60_000_000
        let made = try await caps.run(at: february, audit: .system)
        #expect(made.map(\.amount) == [1_000_000_000 - earned] && earned > 1_000_000_000)
        #expect(try await caps.run(at: february + 60_000_000, audit: .system).isEmpty, "once")
        let month = try await reports.totals(from: 0, to: try #require(CivilDay.start("1970-02-01")) * 1_000_000, partner: "ib")
        #expect(month.reduce(0) { $0 + $1.amount } == 1_000_000_000, "the month pays the cap")
        let posted = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: "ib", currency: .usd))
        #expect(try await posted * 1_000_000 + reports.residue(of: "ib", currency: .usd) == 0, "the cap was paid out, the rest taken back")
        #expect(try await ledger.verify().isSound)
        #expect(throws: PlanValidationError(path: "filters.cap_per_period.period", message: "daily, weekly or monthly")) {
            try CommissionPlan(id: "x", name: "X", filters: .init(capPerPeriod: .init(amount: "1", period: .realtime)),
                               rules: [.init(id: "r", kind: .perLot, rates: .init(default: "1"))]).validate()
        }
    }
}
