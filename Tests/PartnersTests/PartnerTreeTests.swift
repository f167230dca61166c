import BrokerCore
import CommissionsCore
import Identity
import Money
import Partners
import SQLKit
import Platform
import TestSupport
import Testing

/// The partner tree, plan versions and attributions on a real database, and books
/// built for a moment from what was in force then.
@Suite struct PartnerTreeTests {
    static let lot: Int64 = 100_000_000
    static let day: Int64 = 86_400_000_000
    static let instruments = [InstrumentInfo(symbol: "EURUSD", group: "fx_majors", digits: 5)]

    static func perLot(_ id: String, _ rate: String) -> CommissionPlan {
        CommissionPlan(id: id, name: id, rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: rate))])
    }

    static func lines(_ book: CommissionBook, account: Int32 = 0) -> [(String, Int64)] {
        var lines: [CommissionLine] = []
        CommissionEngine(book: book).compute([EngineDeal(ticket: 1, account: account, symbol: 0, volume: lot)], into: &lines)
        return lines.map { (book.partners[Int($0.beneficiary)].id, $0.amount) }
    }

    @Test(arguments: TestDatabases.kinds)
    func movesAreEffectiveDatedAndNeverRewriteThePast(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        let audit = AuditContext(actor: "user:ib-manager")
        try await builder.partners.create(Partner(id: "master", name: "Master IB"), parent: nil, from: 0, audit: audit)
        try await builder.partners.create(Partner(id: "other", name: "Other master"), parent: nil, from: 0, audit: audit)
        try await builder.partners.create(Partner(id: "sub", kind: .subIB, name: "Sub IB"), parent: "master", from: 0, audit: audit)
        try await builder.partners.create(Partner(id: "leaf", kind: .subIB, name: "Leaf"), parent: "sub", from: 0, audit: audit)
        try await builder.plans.save(Self.perLot("gold", "7.00"), effectiveFrom: 0, audit: audit)
        try await builder.plans.save(Self.perLot("silver", "5.00"), effectiveFrom: 0, audit: audit)
        try await builder.plans.save(Self.perLot("bronze", "4.00"), effectiveFrom: 0, audit: audit)
        for (partner, plan) in [("master", "gold"), ("other", "gold"), ("sub", "silver"), ("leaf", "bronze")] as [(PartnerID, String)] {
            try await builder.plans.assign(partner, plan: plan, from: 0, audit: audit)
        }
        try await builder.attributions.attribute(Attribution(subject: .client, subjectID: "client-1", partnerID: "sub"), from: 0, audit: audit)
        let accounts = [BookAccount(key: "mt5:1001", clientID: "client-1")]

        // Day 1: client under sub ($5) under master ($7).
        let dayOne = try await builder.book(at: Self.day, currency: .usd, instruments: Self.instruments, accounts: accounts)
        #expect(Self.lines(dayOne).map(\.0) == ["sub", "master"] && Self.lines(dayOne).map(\.1) == [500_000_000, 200_000_000])
        #expect(Set(try await builder.partners.subtree(of: "master").map(\.partner)) == ["master", "sub", "leaf"])

        // On day 10 sub moves (with leaf) under other, and gold becomes $8 from day 20.
        try await builder.partners.move("sub", to: "other", at: 10 * Self.day, audit: audit)
        var richer = Self.perLot("gold", "8.00")
        richer.name = "Gold 2027"
        let saved = try await builder.plans.save(richer, effectiveFrom: 20 * Self.day, audit: audit)
        #expect(saved.version == 2)
        #expect(Set(try await builder.partners.subtree(of: "master").map(\.partner)) == ["master"])
        #expect(try await builder.partners.subtree(of: "other").map(\.partner) == ["other", "sub", "leaf"])
        #expect(try await builder.partners.subtree(of: "other").last?.depth == 2)
        #expect(try await builder.partners.chain(of: "leaf", at: Self.day) == ["leaf", "sub", "master"])
        #expect(try await builder.partners.chain(of: "leaf", at: 15 * Self.day) == ["leaf", "sub", "other"])

        // The past is unchanged; later days see the move, then the new version.
        let again = try await builder.book(at: Self.day, currency: .usd, instruments: Self.instruments, accounts: accounts)
        #expect(Self.lines(again).map(\.0) == ["sub", "master"])
        let dayFifteen = try await builder.book(at: 15 * Self.day, currency: .usd, instruments: Self.instruments, accounts: accounts)
        #expect(Self.lines(dayFifteen).map(\.0) == ["sub", "other"] && Self.lines(dayFifteen).map(\.1) == [500_000_000, 200_000_000])
        let dayTwenty = try await builder.book(at: 20 * Self.day, currency: .usd, instruments: Self.instruments, accounts: accounts)
        #expect(Self.lines(dayTwenty).map(\.1) == [500_000_000, 300_000_000])

        // A cycle is refused, and so is a move dated before the one in force.
        await #expect(throws: PartnerError.cycle(partner: "sub", parent: "leaf")) {
            try await builder.partners.move("sub", to: "leaf", at: 30 * Self.day, audit: audit)
        }
        await #expect(throws: PartnerError.self) { try await builder.partners.move("sub", to: "master", at: 5 * Self.day, audit: audit) }
        let moves = try await db.read { sql in try await AuditLog.recent(on: sql, limit: 100) }.filter { $0.entry.action == "partner.move" }
        #expect(moves.count == 1 && moves.first?.entry.before.contains("master") == true)
    }

    @Test(arguments: TestDatabases.kinds)
    func accountAttributionWinsAndExclusionsHold(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let builder = BookBuilder(db: db, clock: SystemClock())
        try await builder.partners.create(Partner(id: "ib", userID: "user-ib", name: "IB"), parent: nil, from: 0, audit: .system)
        try await builder.partners.create(Partner(id: "ib2", name: "IB 2"), parent: nil, from: 0, audit: .system)
        try await builder.plans.save(Self.perLot("gold", "7.00"), effectiveFrom: 0, audit: .system)
        try await builder.plans.assign("ib", plan: "gold", from: 0, audit: .system)
        try await builder.plans.assign("ib2", plan: "gold", from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .client, subjectID: "client-1", partnerID: "ib"), from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:2", partnerID: "ib2"), from: 0, audit: .system)
        try await builder.attributions.attribute(Attribution(subject: .client, subjectID: "user-ib", partnerID: "ib"), from: 0, audit: .system)
        let book = try await builder.book(at: Self.day, currency: .usd, instruments: Self.instruments, accounts: [
            BookAccount(key: "mt5:1", clientID: "client-1"), BookAccount(key: "mt5:2", clientID: "client-1"),
            BookAccount(key: "mt5:3", clientID: "user-ib"), BookAccount(key: "mt5:4", clientID: "nobody"),
        ])
        #expect(Self.lines(book, account: 0).map(\.0) == ["ib"])
        #expect(Self.lines(book, account: 1).map(\.0) == ["ib2"])
        #expect(Self.lines(book, account: 2).isEmpty)   // the IB's own trading: self-referral
        #expect(Self.lines(book, account: 3).isEmpty)
        await #expect(throws: PartnerError.unknownPlan("platinum")) { try await builder.plans.assign("ib", plan: "platinum", from: 1, audit: .system) }
        await #expect(throws: PlanValidationError.self) {
            try await builder.plans.save(CommissionPlan(id: "bad", name: "Bad", rules: []), effectiveFrom: 0, audit: .system)
        }
    }
}
