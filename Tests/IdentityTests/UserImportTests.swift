import BrokerCore
import Identity
import Platform
import SQLKit
import TestSupport
import Testing

/// Traders imported in bulk: every new email once, known emails skipped, registration
/// times kept, one audit event per batch, and nobody can log in with a password they
/// were never given.
@Suite struct UserImportTests {
    @Test(arguments: TestDatabases.kinds)
    func importsManyTradersOnceAndAuditsTheBatch(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 1_700_000_000_000_000)
        let identity = TestIdentity.service(db, clock: clock)
        _ = try await identity.createUser(kind: .trader, email: "known@example.com", password: "correct horse battery", displayName: "Known",
                                          brandID: "brand_test", audit: .system)
        // 1,200 new traders over three statements, a known email, and one email twice.
        var traders = (0..<1_200).map { UserImport.Trader(email: "client\($0)@example.com", displayName: "Client \($0)", registeredAt: Int64($0) * 1_000) }
        traders.insert(UserImport.Trader(email: "Known@Example.com", displayName: "Again", registeredAt: 1), at: 600)
        traders.append(UserImport.Trader(email: "client7@example.com", displayName: "Twice", registeredAt: 2))
        let importer = UserImport(db: db, clock: clock)
        let created = try await importer.importTraders(traders, brandID: "brand_test", audit: .system)
        #expect(created.count == 1_200)
        #expect(Set(created).count == 1_200)

        let read = try await db.read { sql in
            (counts: try await UserDirectory.counts(on: sql), registered: try await UserDirectory.registeredAt(created[42], on: sql),
             audits: try await sql.raw("SELECT after_json FROM audit_events WHERE action = 'user.import'").all().map { try $0.decode(column: "after_json", as: String.self) })
        }
        #expect(read.counts == [.trader: 1_201])
        #expect(read.registered == 42_000, "the registration time from the old CRM is kept")
        #expect(read.audits.count == 1 && read.audits[0].contains("\"imported\":\"1200\"") && read.audits[0].contains("\"skipped\":\"2\""))
        #expect(try await identity.user(email: "client7@example.com", kind: .trader)?.displayName == "Client 7")

        // Importing again creates nobody; a bad email refuses the batch before writing.
        #expect(try await importer.importTraders(Array(traders.prefix(10)), brandID: "brand_test", audit: .system).isEmpty)
        await #expect(throws: IdentityError.self) {
            try await importer.importTraders([UserImport.Trader(email: "new@example.com", displayName: "New", registeredAt: 1),
                                              UserImport.Trader(email: "notanemail", displayName: "Bad", registeredAt: 1)], brandID: "brand_test", audit: .system)
        }
        #expect(try await identity.user(email: "new@example.com", kind: .trader) == nil)
        // Nobody was given a password: none works.
        #expect(try await identity.verifyPassword(email: "client1@example.com", password: "correct horse battery", kind: .trader, audit: .system) == .invalid)
    }
}
