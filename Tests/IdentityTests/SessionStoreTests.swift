import BrokerCore
import Identity
import Platform
import SQLKit
import TestSupport
import Testing

/// Sessions are found on every request, on the database's read path: the idle timer
/// is refreshed at most once a minute, an idle or expired session is gone, and none
/// of it needs a write inside a read (SQLite's readers refuse writes).
@Suite struct SessionStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func findRefreshesTheIdleTimerAndEndsIdleSessions(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 1_700_000_000_000_000)
        let identity = TestIdentity.service(db, clock: clock)
        let user = try await identity.createUser(kind: .trader, email: "idle@example.com", password: "correct horse battery", displayName: "Idle",
                                                 brandID: "brand_test", audit: .system)
        let sessions = SessionStore(db: db, clock: clock, idleMinutes: 10)
        let (token, created) = try await sessions.create(user: user, surface: "portal", secondFactorOK: true, ip: "127.0.0.1", userAgent: "test", audit: .system)
        let lastSeen = { try await db.read { sql in
            try await sql.raw("SELECT last_seen_at FROM sessions WHERE token_hash = \(bind: created.tokenHash)").first()?.decode(column: "last_seen_at", as: Int64.self)
        } }

        // Within a minute nothing is written; after it, the timer moves.
        clock.advance(seconds: 30)
        #expect(try await sessions.find(token: token) == created)
        #expect(try await lastSeen() == 1_700_000_000_000_000)
        clock.advance(seconds: 540)
        #expect(try await sessions.find(token: token) == created)
        #expect(try await lastSeen() == 1_700_000_000_000_000 + 570_000_000, "a session in use stays alive")

        // Nine minutes later it is still alive (the timer moved); eleven idle minutes end it.
        clock.advance(seconds: 540)
        #expect(try await sessions.find(token: token) == created)
        clock.advance(seconds: 660)
        #expect(try await sessions.find(token: token) == nil)
        #expect(try await lastSeen() == nil, "the idle session is deleted")
        #expect(try await sessions.find(token: String(repeating: "0", count: 64)) == nil)
    }
}
