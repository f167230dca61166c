import BrokerCore
import Identity
import Platform
import TestSupport
import Testing

/// Identity's published reads for other slices: what kind of user someone is, when
/// they registered, and how many users of each kind there are.
@Suite struct UserDirectoryTests {
    @Test(arguments: TestDatabases.kinds)
    func readsKindsRegistrationAndCounts(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        let identity = TestIdentity.service(db, clock: ManualClock(micros: 1_700_000_000_000_000))
        let trader = try await identity.createUser(kind: .trader, email: "t@example.com", password: "correct horse battery", displayName: "T",
                                                   brandID: "brand_test", audit: .system)
        _ = try await identity.createUser(kind: .partner, email: "p@example.com", password: "correct horse battery", displayName: "P",
                                          brandID: "brand_test", audit: .system)
        _ = try await identity.createUser(kind: .trader, email: "u@example.com", password: "correct horse battery", displayName: "U",
                                          brandID: "brand_test", audit: .system)
        let id = trader.id
        let read = try await db.read { sql in
            (kind: try await UserDirectory.kind(of: id, on: sql), nobody: try await UserDirectory.kind(of: "usr_nobody", on: sql),
             registered: try await UserDirectory.registeredAt(id, on: sql), nobodyRegistered: try await UserDirectory.registeredAt("usr_nobody", on: sql),
             counts: try await UserDirectory.counts(on: sql))
        }
        #expect(read.kind == .trader)
        #expect(read.nobody == nil)
        #expect(read.registered == 1_700_000_000_000_000)
        #expect(read.nobodyRegistered == nil)
        #expect(read.counts == [.trader: 2, .partner: 1])
        await db.close()
    }
}
