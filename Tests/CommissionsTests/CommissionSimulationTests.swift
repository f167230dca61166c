import BrokerCore
import CommissionsCore
import Identity
import Money
import Partners
import SQLKit
import Platform
import TestSupport
import Testing
import Commissions
import Trading
import Ledger

/// What-if over stored deals: a proposed plan against the plans in force, each
/// deal with the tree of its own time.
@Suite struct CommissionSimulationTests {
    static func perLot(_ id: String, _ rate: String) -> CommissionPlan {
        CommissionPlan(id: id, name: id, rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: rate))])
    }

    static let day: Int64 = 86_400_000_000
    static let lot: Int64 = 100_000_000

    @Test(arguments: TestDatabases.kinds)
    func aProposedPlanIsComparedPartnerByPartner(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        for (id, parent) in [("master", nil), ("other", nil), ("sub", "master")] as [(PartnerID, PartnerID?)] {
            try await builder.partners.create(Partner(id: id, name: id.rawValue), parent: parent, from: 0, audit: .system)
        }
        try await builder.plans.save(Self.perLot("gold", "7.00"), effectiveFrom: 0, audit: .system)
        try await builder.plans.save(Self.perLot("silver", "5.00"), effectiveFrom: 0, audit: .system)
        for (partner, plan) in [("master", "gold"), ("other", "gold"), ("sub", "silver")] as [(PartnerID, String)] { try await builder.plans.assign(partner, plan: plan, from: 0, audit: .system) }
        try await builder.attributions.attribute(Attribution(subject: .client, subjectID: "client-1", partnerID: "sub"), from: 0, audit: .system)
        try await builder.partners.move("sub", to: "other", at: 10 * Self.day, audit: .system)
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO trading_accounts (server_id, login, user_id, account_type_id, mt_group, currency, leverage, status, trading_enabled,
                    request_id, last_error, created_at, updated_at)
                VALUES ('mt5', 1001, 'client-1', 'standard', 'real\\standard', 'USD', 100, 'active', 1, 'r1', '', 0, 0)
                """).run()
        }
        // One 2-lot EURUSD close on day 5 (under master) and one on day 15 (under other), plus an opening deal that earns nothing.
        let deals = [(1, 5 * Self.day, DealEntry.entryOut), (2, 15 * Self.day, .entryOut), (3, 15 * Self.day, .entryIn)].map { ticket, time, entry in
            TradeDeal(ticket: UInt64(ticket), login: TradingLogin(1001), action: .sell, entry: entry, reason: 0, symbol: "EURUSD", time: time,
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: 2 * Self.lot), contractSize: 100_000, profit: .zero)
        }
        try await DealStore(db: db).store(DealSyncBatch(serverID: "mt5", deals: deals, cursorTime: 20 * 86_400))

        // Gold at $8: each master above sub earns $3 a lot instead of $2.
        let report = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: Self.perLot("gold", "8.00"), from: 0,
                                                                                    to: 30 * Self.day)
        #expect(report.deals == 3)
        #expect(report.rows == [
            .init(partner: "master", current: 400_000_000, proposed: 600_000_000),
            .init(partner: "other", current: 400_000_000, proposed: 600_000_000),
            .init(partner: "sub", current: 2_000_000_000, proposed: 2_000_000_000),
        ])
        // Only days 0-9: the second deal is out of range. With --partner sub on the proposal, sub earns $8 and master nothing.
        let narrow = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: Self.perLot("gold", "8.00"), from: 0,
                                                                                    to: 10 * Self.day, partner: "sub")
        #expect(narrow.rows == [.init(partner: "sub", current: 1_000_000_000, proposed: 1_600_000_000)])
        await #expect(throws: PartnerError.unknownPartner("nobody")) {
            _ = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: Self.perLot("gold", "8.00"), from: 0, to: 1, partner: "nobody")
        }
        // Once the pipeline has paid the deals, the report shows what was paid next to what the plans in force give.
        let store = try DealStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(), logger: TestDatabases.logger)
        try await DealCorrectionTests.drain(pipeline, store)
        let paid = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: Self.perLot("gold", "8.00"), from: 0,
                                                                                  to: 30 * Self.day)
        #expect(paid.rows.map(\.paid) == paid.rows.map(\.current) && paid.rows.map(\.paid) == [400_000_000, 400_000_000, 2_000_000_000])
    }
}
