import Money
import Platform
import TestSupport
import Testing
import Ledger

@Suite struct ExchangeRateStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func theRateInForceIsFoundAndAConversionReplaysFromItsRecordedRate(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let store = ExchangeRateStore(db: db)
        try await store.record(try ExchangeRate(base: .eur, quote: .usd, parsing: "1.0812"), source: "ecb", effectiveAt: 1_000, id: "rate_1")
        try await store.record(try ExchangeRate(base: .eur, quote: .usd, parsing: "1.0857"), source: "ecb", effectiveAt: 2_000, id: "rate_2")
        #expect(try await store.rate(.eur, .usd, at: 500) == nil)
        #expect(try await store.rate(.eur, .usd, at: 1_500)?.id == "rate_1")
        let current = try #require(try await store.rate(.eur, .usd, at: 9_999))
        #expect(current.id == "rate_2")
        let amount = Money(minorUnits: 10_000, currency: .eur)
        let converted = try current.rate.convert(amount)
        // Replaying from the stored rate gives the same cents and the same residue.
        let replayed = try #require(try await store.rate(id: "rate_2")).rate.convert(amount)
        #expect(converted.money == Money(minorUnits: 10_857, currency: .usd))
        #expect(replayed.money == converted.money && replayed.residue == converted.residue)
        let chain = try await db.read { try await AuditLog.verify(on: $0) }
        #expect(chain == .intact(events: 2))
    }
}
