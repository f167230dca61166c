import App
import BrokerCore
import CommissionsCore
import Foundation
import Identity
import LedgerCore
import MT5Simulator
import Money
import Partners
import SQLKit
import Platform
import TestSupport
import Testing
import Trading
import Commissions
import Ledger

/// SIGKILL `pipstack serve` again and again while it syncs deals and computes their
/// commissions; after a last restart the lines equal an independent recomputation
/// over every stored deal, and the ledger holds exactly what they add up to.
@Suite struct CommissionCrashTests {
    static let secret = "commission-crash-secret-key-0123456789"

    @Test(arguments: TestDatabases.kinds)
    func killedDuringIngestLosesAndDoublesNothing(kind: String) async throws {
        let password = "Crash#Mt5Pass1"
        let simulator = try await MT5SimulatorServer.start(.init(port: 0, managerLogin: 1_000, password: password, seed: 11, dealsPerSecond: 300))
        defer { Task { await simulator.stop() } }
        let logins = try simulator.createFundedAccounts(8, balance: 100_000_000)
        let url = try await TestDatabases.url(kind)
        let setup = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        try await MigrationRunner().migrate(setup)
        try await TradeServerStore(db: setup, secretBox: SecretBox(secretKey: Self.secret), clock: SystemClock()).save(
            TradeServerConfig(id: "mt5_crash", name: "Crash", environment: .live, endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                              managerLogin: 1_000, password: password), audit: .system)
        // Three levels; every simulated account attributed to the leaf, one of them excluded.
        let builder = BookBuilder(db: setup, clock: SystemClock())
        for (id, parent, rate) in [("top", nil, "9.00"), ("middle", "top", "7.00"), ("leaf", "middle", "4.00")] as [(PartnerID, PartnerID?, String)] {
            try await builder.partners.create(Partner(id: id, name: id.rawValue), parent: parent, from: 0, audit: .system)
            try await builder.plans.save(CommissionPlan(id: "plan-\(id)", name: id.rawValue, rules: [
                .init(id: "rebate", kind: .perLot, rates: .init(default: rate, groups: ["metals": "2.00"])),
                .init(id: "commission", kind: .commissionShare, share: "10%"),
            ]), effectiveFrom: 0, audit: .system)
            try await builder.plans.assign(id, plan: "plan-\(id)", from: 0, audit: .system)
        }
        for (index, login) in logins.enumerated() {
            try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5_crash:\(login)", partnerID: "leaf", excluded: index == 0),
                                                     from: 0, audit: .system)
        }
        await setup.close()

        let arguments = ["serve", "--database-url", DatabaseURLText.of(url), "--port", "0", "--host", "127.0.0.1", "--insecure-cookies",
                         "--data-dir", TestDatabases.temporaryDirectory().path]
        let environment = ["PIPSTACK_SECRET_KEY": Self.secret, "PIPSTACK_2FA_ROLES": "none"]
        try await PipstackProcess.killRepeatedly(arguments, environment: environment)
        simulator.setDealsPerSecond(0)
        let made = simulator.dealCount
        let final = try PipstackProcess(arguments, environment: environment)
        _ = try await final.listeningPort()
        let db = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        let cursor = DealFeedCursor(db: db)
        for _ in 0..<600 {
            let stored = try await store.count(serverID: "mt5_crash")
            let consumed = try await cursor.position(of: CommissionPipeline.consumer)
            let pending = try await db.read { sql in try await sql.raw("SELECT batch_key FROM commission_postings WHERE status = 'pending'").all().count }
            // Feed positions are increasing, not dense: the pipeline is done when it has passed the last stored deal.
            let head = try await store.feed(after: consumed, limit: 1).count
            if stored == Int64(made), head == 0, pending == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await final.terminate()

        // An independent recomputation over every stored deal: the plans in force, proposed unchanged.
        let inForce = try #require(try await PlanStore(db: db, clock: SystemClock()).plans(at: 1)["plan-top"])
        let report = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: inForce, from: 0, to: Int64.max / 2)
        let expected = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.partner, $0.current) })
        let reports = CommissionReports(db: db, clock: SystemClock())
        let lines = try await reports.allTimeTotals().mapValues(\.amount)
        #expect(try await store.count(serverID: "mt5_crash") == Int64(made))
        #expect(!expected.isEmpty && lines == expected, "stored \(lines), recomputed \(expected)")
        if lines != expected {
            let tickets = try await db.read { sql in
                try await sql.raw("SELECT DISTINCT t.ticket FROM commission_lines l JOIN trade_deals t ON t.feed_seq = l.feed_seq").all()
                    .map { try $0.decode(column: "ticket", as: Int64.self) }
            }
            var shown = 0
            for ticket in tickets where shown < 5 {
                let stored = try await reports.lines(server: "mt5_crash", ticket: UInt64(ticket))
                let again = try await reports.explain(server: "mt5_crash", ticket: UInt64(ticket), currency: .usd)
                if Set(stored.map { "\($0.partner)/\($0.amount)" }) != Set((again?.lines ?? []).map { "\($0.partner)/\($0.amount)" }) {
                    print("MISMATCH \(ticket): stored \(stored.map { "\($0.partner) \($0.rule) \($0.amount)" }) again \((again?.lines ?? []).map { "\($0.partner) \($0.rule) \($0.amount)" }) notes \(again?.notes ?? [])")
                    shown += 1
                }
            }
            let count = try await db.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM commission_lines").first()?.decode(column: "n", as: Int.self) ?? 0 }
            print("MISMATCH lines stored \(count) recomputed \(report.currentLines) deals \(report.deals)")
        }
        // The ledger holds the lines to the cent, the rest carried as residues.
        let ledger = try LedgerStore(db: db)
        for (partner, total) in lines {
            let posted = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: partner, currency: .usd))
            let residue = try await reports.residue(of: partner, currency: .usd)
            #expect(posted * 1_000_000 + residue == total, "\(partner): posted \(posted), residue \(residue), lines \(total)")
        }
        #expect(try await ledger.verify().isSound)
    }
}
