import BrokerCore
import CommissionsCore
import Identity
import LedgerCore
import Money
import Partners
import SQLKit
import Platform
import TestSupport
import Testing
import Clients
import Commissions
import Trading
import Ledger

/// CPA decided from what referred clients did: the wallet's deposits, reported
/// events and the trade server's own deposits; closed lots and their spread; KYC.
@Suite struct CPASettlementTests {
    static let day: Int64 = 86_400_000_000
    static let lot: Int64 = 100_000_000

    /// domain.md's example: $100 first deposit, 5 lots and $80 of spread within 30
    /// days, KYC approved; a German client's $1,000+ deposit pays the richer band.
    static let plan = CommissionPlan(id: "cpa", name: "CPA", rules: [], cpa: .init(
        minFirstDeposit: "100.00", minLots: "5", minSpread: "80.00", spreadPerLot: .init(default: "10.00", symbols: ["EURUSD": "16.00"]),
        requireKYC: true, withinDays: 30,
        bands: [.init(minDeposit: "1000.00", countries: ["DE"], amount: "600.00"), .init(minDeposit: "100.00", amount: "250.00")]))

    @Test(arguments: TestDatabases.kinds)
    func referredClientsQualifyOnceExpireOrAreExcluded(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 40 * Self.day)
        let builder = BookBuilder(db: db, clock: clock)
        try await builder.partners.create(Partner(id: "ib", userID: "ib-user", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(Self.plan, effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "cpa", from: 0, audit: .system)
        for (client, registered) in [("c1", 0), ("c2", 0), ("ib-user", 0), ("c4", 0), ("c5", 35 * Self.day)] as [(String, Int64)] {
            try await Self.trader(client, registeredAt: registered, account: Self.login(client), on: db)
            try await builder.attributions.attribute(Attribution(subject: .client, subjectID: client, partnerID: "ib"), from: 0, audit: .system)
        }
        let ledger = try LedgerStore(db: db, clock: clock)
        let events = ClientEventStore(db: db, clock: clock)
        // c1 (Spain): $150 into the wallet, KYC on day 2, 3 + 2 EURUSD lots ($48 + $32 of spread) by day 4.
        _ = try await ledger.post(PostingRules.deposit(key: "psp:1", client: "c1", provider: "psp", amount: Money(minorUnits: 15_000, currency: .usd),
                                                       at: 1 * Self.day))
        #expect(try await events.record(.init(source: "kyc-vendor", externalID: "k1", userID: "c1", kind: .kycApproved, country: "es", occurredAt: 2 * Self.day),
                                        audit: .system) == .recorded)
        try await Self.closes([(3, 3 * Self.lot), (4, 2 * Self.lot)], login: Self.login("c1"), from: 1, on: db)
        // c2 (Germany): a $1,500 deposit reported by the PSP, KYC, 5 lots.
        _ = try await events.record(.init(source: "psp", externalID: "d2", userID: "c2", kind: .deposit, amount: 150_000, currency: "USD",
                                          occurredAt: 1 * Self.day), audit: .system)
        _ = try await events.record(.init(source: "kyc-vendor", externalID: "k2", userID: "c2", kind: .kycApproved, country: "DE", occurredAt: 1 * Self.day),
                                    audit: .system)
        try await Self.closes([(5, 5 * Self.lot)], login: Self.login("c2"), from: 10, on: db)
        // The partner's own account does everything too: self-referral.
        _ = try await events.record(.init(source: "psp", externalID: "d3", userID: "ib-user", kind: .deposit, amount: 500_000, currency: "USD",
                                          occurredAt: 1 * Self.day), audit: .system)
        _ = try await events.record(.init(source: "kyc-vendor", externalID: "k3", userID: "ib-user", kind: .kycApproved, occurredAt: 1 * Self.day),
                                    audit: .system)
        try await Self.closes([(3, 5 * Self.lot)], login: Self.login("ib-user"), from: 20, on: db)
        // c4: a $50 deposit straight on the trade server, then nothing: the 30 days pass.
        try await DealStore(db: db).store(DealSyncBatch(serverID: "live", deals: [
            TradeDeal(ticket: 30, login: TradingLogin(UInt64(Self.login("c4"))), action: .balance, entry: .entryIn, symbol: "", time: 1 * Self.day,
                      profit: PlatformAmount(units: 50 * 100_000_000)),
        ], cursorTime: 0))
        // c5 registered 5 days ago and has only deposited.
        _ = try await events.record(.init(source: "psp", externalID: "d5", userID: "c5", kind: .deposit, amount: 20_000, currency: "USD",
                                          occurredAt: 36 * Self.day), audit: .system)

        let settlement = CPASettlement(db: db, ledger: ledger, clock: clock)
        let decisions = try await settlement.run(at: clock.nowMicros(), audit: .system)
        let byClient = Dictionary(uniqueKeysWithValues: decisions.map { ($0.client, $0) })
        #expect(byClient.count == 4)
        #expect(byClient["c1"]?.status == .qualified && byClient["c1"]?.amount == 25_000 && byClient["c1"]?.decidedAt == 4 * Self.day + 1)
        #expect(byClient["c1"]?.spread == 80 * 100_000_000 && byClient["c1"]?.lots == 5 * Self.lot && byClient["c1"]?.country == "ES")
        #expect(byClient["c2"]?.status == .qualified && byClient["c2"]?.amount == 60_000, "the German band")
        #expect(byClient["ib-user"]?.status == .excluded)
        #expect(byClient["c4"]?.status == .expired && byClient["c4"]?.firstDeposit == 5_000)
        #expect(byClient["c5"] == nil, "still inside its window")
        let payable = LedgerAccount(kind: .ibCommissionPayable, owner: "ib", currency: .usd)
        #expect(try await ledger.balance(of: payable) == 85_000)

        // Running again, or replaying every event, pays nothing more.
        #expect(try await settlement.run(at: clock.nowMicros() + 60_000_000, audit: .system).isEmpty)
        #expect(try await events.record(.init(source: "psp", externalID: "d2", userID: "c2", kind: .deposit, amount: 150_000, currency: "USD",
                                              occurredAt: 1 * Self.day), audit: .system) == .replayed)
        await #expect(throws: ClientEventError.self) {
            try await events.record(.init(source: "psp", externalID: "d2", userID: "c2", kind: .deposit, amount: 990_000, currency: "USD",
                                          occurredAt: 1 * Self.day), audit: .system)
        }
        #expect(try await ledger.balance(of: payable) == 85_000)
        let totals = try await CommissionReports(db: db, clock: clock).totals(from: 0, to: 41 * Self.day, partner: "ib")
        #expect(totals.map(\.rule) == ["cpa"] && totals.map(\.amount) == [85_000_000_000])

        // The profile's view: c5 misses lots, spread and KYC; the others are decided.
        let standings = Dictionary(uniqueKeysWithValues: try await settlement.standings(of: "ib", at: clock.nowMicros()).map { ($0.client, $0) })
        #expect(standings["c5"]?.decision == nil && standings["c5"]?.missing == ["lots", "spread", "KYC"])
        #expect(standings["c5"]?.facts?.firstDeposit == 20_000)
        #expect(standings["c1"]?.decision?.status == .qualified)
        #expect(try await ledger.verify().isSound)
    }

    /// A CPA goes up the tree like per-deal amounts: under difference the master earns
    /// its own plan's CPA less the sub-IB's; per level it earns its share.
    @Test(arguments: TestDatabases.kinds)
    func aCPAGoesUpTheTreeByThePlansDistribution(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 10 * Self.day)
        let builder = BookBuilder(db: db, clock: clock)
        try await builder.partners.create(Partner(id: "master", name: "Master"), parent: nil, from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "sub", name: "Sub"), parent: "master", from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "flat", name: "Flat"), parent: "master", from: 0, audit: .system)
        func plan(_ id: String, _ amount: String, _ distribution: CommissionPlan.Distribution = .difference) -> CommissionPlan {
            CommissionPlan(id: id, name: id, distribution: distribution, rules: [],
                           cpa: .init(minFirstDeposit: "100.00", withinDays: 30, bands: [.init(minDeposit: "100.00", amount: amount)]))
        }
        for candidate in [plan("gold", "300.00"), plan("silver", "250.00"), plan("shared", "200.00", .perLevel(shares: ["80%", "20%"], cap: nil))] {
            try await builder.plans.save(candidate, effectiveFrom: 0, audit: .system)
        }
        for (partner, planID) in [("master", "gold"), ("sub", "silver"), ("flat", "shared")] as [(PartnerID, String)] { try await builder.plans.assign(partner, plan: planID, from: 0, audit: .system) }
        let events = ClientEventStore(db: db, clock: clock)
        for (client, partner) in [("c1", "sub"), ("c2", "flat")] as [(String, PartnerID)] {
            try await Self.trader(client, registeredAt: 0, account: Self.login(client), on: db)
            try await builder.attributions.attribute(Attribution(subject: .client, subjectID: client, partnerID: partner), from: 0, audit: .system)
            _ = try await events.record(.init(source: "psp", externalID: "d-\(client)", userID: UserID(client), kind: .deposit, amount: 50_000, currency: "USD",
                                              occurredAt: Self.day), audit: .system)
        }
        let ledger = try LedgerStore(db: db, clock: clock)
        let decisions = try await CPASettlement(db: db, ledger: ledger, clock: clock).run(at: clock.nowMicros(), audit: .system)
        let dollar: Int64 = 100_000_000
        let parts = Dictionary(uniqueKeysWithValues: decisions.map { ($0.client, $0.parts.map { "\($0.partner) \($0.level) \($0.amount / dollar)" }) })
        #expect(parts["c1"] == ["sub 1 250", "master 2 50"], "difference: $300 - $250")
        #expect(parts["c2"] == ["flat 1 160", "master 2 40"], "80% and 20% of $200")
        let payable = { (partner: String) in try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: partner, currency: .usd)) }
        let balances = [try await payable("sub"), try await payable("flat"), try await payable("master")]
        #expect(balances == [25_000, 16_000, 9_000])
        let stored = try await CPASettlement(db: db, ledger: ledger, clock: clock).decision(of: "c1")
        #expect(stored?.parts.map(\.amount) == [250 * dollar, 50 * dollar])
        let totals = try await CommissionReports(db: db, clock: clock).totals(from: 0, to: 20 * Self.day, partner: "master")
        #expect(totals.map(\.level) == [2] && totals.map(\.rule) == ["cpa"] && totals.map(\.amount) == [90 * dollar])
        #expect(try await ledger.verify().isSound)
    }

    @Test(arguments: TestDatabases.kinds)
    func badClientEventsAreRefusedWithTheField(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let events = ClientEventStore(db: db, clock: ManualClock(micros: 10 * Self.day))
        try await Self.trader("c1", registeredAt: 0, account: 1, on: db)
        func field(_ event: ClientEventRecord) async -> String? {
            do { _ = try await events.record(event, audit: .system); return nil } catch let error as ClientEventError {
                if case let .invalid(field, _) = error { return field }
                return "conflict"
            } catch { return "\(error)" }
        }
        #expect(await field(.init(source: "PSP!", externalID: "1", userID: "c1", kind: .kycApproved, occurredAt: 1)) == "source")
        #expect(await field(.init(source: "psp", externalID: "", userID: "c1", kind: .kycApproved, occurredAt: 1)) == "external_id")
        #expect(await field(.init(source: "psp", externalID: "1", userID: "nobody", kind: .kycApproved, occurredAt: 1)) == "client_id")
        #expect(await field(.init(source: "psp", externalID: "1", userID: "c1", kind: .deposit, amount: 0, currency: "USD", occurredAt: 1)) == "amount")
        #expect(await field(.init(source: "psp", externalID: "1", userID: "c1", kind: .deposit, amount: 5, currency: "XXX", occurredAt: 1)) == "currency")
        #expect(await field(.init(source: "psp", externalID: "1", userID: "c1", kind: .country, country: "Spain", occurredAt: 1)) == "country")
        #expect(await field(.init(source: "psp", externalID: "1", userID: "c1", kind: .kycApproved, occurredAt: 20 * Self.day)) == "occurred_at")
        #expect(try await events.events(of: "c1").isEmpty)
    }

    @Test func cpaPlansAreValidatedByPath() throws {
        let good = #"{"id":"c","name":"C","cpa":{"min_first_deposit":"100.00","min_lots":"5","within_days":30,"bands":[{"min_deposit":"100.00","amount":"250.00"}]}}"#
        let plan = try PlanValidationError.plan(fromJSON: Array(good.utf8))
        #expect(plan.cpa?.rule(currency: .usd) == CPARule(minFirstDeposit: 10_000, minLots: 5 * Self.lot, minSpread: 0, requireKYC: false, withinDays: 30,
                                                          bands: [.init(minDeposit: 10_000, amount: 25_000)]))
        let cases: [(String, String)] = [
            (#""bands":[]"#, "cpa.bands"),
            (#""bands":[{"min_deposit":"100.001","amount":"250.00"}]"#, "cpa.bands[0].min_deposit"),
            (#""bands":[{"amount":"250.00","countries":["Germany"]}]"#, "cpa.bands[0].countries[0]"),
            (#""min_spread":"80.00","bands":[{"amount":"1"}]"#, "cpa.spread_per_lot"),
            (#""within_days":0,"bands":[{"amount":"1"}]"#, "cpa.within_days"),
            (#""bands":[{"min_deposit":"1"}]"#, "cpa.bands[0].amount"),
        ]
        for (fields, path) in cases {
            let json = #"{"id":"c","name":"C","cpa":{"min_first_deposit":"100.00",\#(fields)}}"#
            #expect(throws: PlanValidationError.self, "\(path)") { try PlanValidationError.plan(fromJSON: Array(json.utf8)) }
            do { _ = try PlanValidationError.plan(fromJSON: Array(json.utf8)) } catch { #expect(error.path == path) }
        }
    }

    // MARK: - Fixtures

    static func login(_ client: String) -> Int64 { 1000 + Int64(client.count * 10 + Int(client.last?.wholeNumberValue ?? 9)) }

    /// A trader registered at `registeredAt` with one USD account on the live server.
    static func trader(_ id: String, registeredAt: Int64, account login: Int64, on db: Database) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO trade_servers (id, name, platform, environment, host, port, use_tls, allow_self_signed, certificate_pem, manager_login,
                    password_sealed, group_mask, enabled, login_next, login_last, created_at, updated_at)
                VALUES ('live', 'Live', 'mt5', 'live', '127.0.0.1', 1, 0, 0, '', 1, '', '*', 1, 0, 0, 0, 0) ON CONFLICT (id) DO NOTHING
                """).run()
            try await sql.raw("""
                INSERT INTO users (id, kind, email, brand_id, display_name, password_hash, status, created_at, updated_at)
                VALUES (\(bind: id), 'trader', \(bind: "\(id)@test.example"), 'default', \(bind: id), 'x', 'active', \(bind: registeredAt), \(bind: registeredAt))
                """).run()
            try await sql.raw("""
                INSERT INTO trading_accounts (server_id, login, user_id, account_type_id, mt_group, currency, leverage, status, trading_enabled,
                    request_id, last_error, created_at, updated_at)
                VALUES ('live', \(bind: login), \(bind: id), 'standard', 'real\\standard', 'USD', 100, 'active', 1, \(bind: "r-\(id)"), '', 0, 0)
                """).run()
        }
    }

    /// EURUSD closing deals on day `day` (+1 µs) with tickets from `from`.
    static func closes(_ closes: [(day: Int64, volume: Int64)], login: Int64, from ticket: Int, on db: Database) async throws {
        let deals = closes.enumerated().map { index, close in
            TradeDeal(ticket: UInt64(ticket + index), login: TradingLogin(UInt64(login)), action: .sell, entry: .entryOut, symbol: "EURUSD",
                      time: close.day * day + 1, price: Price(points: 108_000, digits: 5), volume: Volume(units: close.volume), contractSize: 100_000)
        }
        try await DealStore(db: db).store(DealSyncBatch(serverID: "live", deals: deals, cursorTime: 0))
    }
}
