import BrokerCore
import SQLKit
import Platform

/// A logged-in browser: held server-side, found by the SHA-256 of the cookie's token.
public struct Session: Sendable, Equatable {
    public let tokenHash: String
    public let userID: UserID
    public let surface: String
    public let csrfToken: String
    public let secondFactorOK: Bool
    public let expiresAt: Int64
}

/// Server-side sessions. A new token is issued at every login (no fixation), the
/// cookie carries only the token, and the database only its hash.
public struct SessionStore: Sendable {
    public let db: Database
    public let clock: any PipstackClock
    public let idleMicros: Int64
    public let absoluteMicros: Int64

    public init(db: Database, clock: any PipstackClock, idleMinutes: Int64 = 60, absoluteHours: Int64 = 12) {
        self.db = db
        self.clock = clock
        self.idleMicros = idleMinutes * 60_000_000
        self.absoluteMicros = absoluteHours * 3_600_000_000
    }

    /// Creates a session and returns the cookie token with it.
    public func create(user: User, surface: String, secondFactorOK: Bool, ip: String, userAgent: String, audit: AuditContext) async throws -> (token: String, session: Session) {
        let token = Tokens.random()
        let hash = Tokens.sha256Hex(token)
        let csrf = Tokens.random(bytes: 24)
        let now = clock.nowMicros()
        let session = Session(tokenHash: hash, userID: user.id, surface: surface, csrfToken: csrf, secondFactorOK: secondFactorOK, expiresAt: now + absoluteMicros)
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO sessions (token_hash, user_id, surface, csrf_token, second_factor_ok, created_at, expires_at, last_seen_at, ip, user_agent)
                VALUES (\(bind: hash), \(bind: user.id.rawValue), \(bind: surface), \(bind: csrf), \(bind: secondFactorOK ? 1 : 0),
                        \(bind: now), \(bind: session.expiresAt), \(bind: now), \(bind: ip), \(bind: String(userAgent.prefix(300))))
                """).run()
            try await AuditLog.append(AuditEntry(actor: user.actor, action: "session.login", entityType: "user", entityID: user.id.rawValue,
                                                 after: "{\"surface\":\"\(surface)\",\"second_factor\":\(secondFactorOK)}",
                                                 requestID: audit.requestID, ip: audit.ip), at: now, on: sql, dialect: dialect)
        }
        return (token, session)
    }

    /// The live session for a cookie token, refreshing its idle timer; nil when unknown or expired.
    /// Most requests only read; the idle timer is written at most once a minute per
    /// session, and an expired session is deleted, each in its own short transaction.
    public func find(token: String) async throws -> Session? {
        guard token.count == 64 else { return nil }
        let hash = Tokens.sha256Hex(token)
        let now = clock.nowMicros()
        let found: (session: Session, lastSeen: Int64)? = try await db.read { sql in
            guard let row = try await sql.raw("SELECT * FROM sessions WHERE token_hash = \(bind: hash)").first() else { return nil }
            return (Session(tokenHash: hash, userID: UserID(try row.decode(column: "user_id", as: String.self)),
                            surface: try row.decode(column: "surface", as: String.self),
                            csrfToken: try row.decode(column: "csrf_token", as: String.self),
                            secondFactorOK: try row.decode(column: "second_factor_ok", as: Int.self) == 1,
                            expiresAt: try row.decode(column: "expires_at", as: Int64.self)),
                    try row.decode(column: "last_seen_at", as: Int64.self))
        }
        guard let found else { return nil }
        guard found.session.expiresAt > now, found.lastSeen + idleMicros > now else {
            try await db.transaction { sql in try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: hash)").run() }
            return nil
        }
        if now - found.lastSeen > 60_000_000 {
            try await db.transaction { sql in
                try await sql.raw("UPDATE sessions SET last_seen_at = \(bind: now) WHERE token_hash = \(bind: hash)").run()
            }
        }
        return found.session
    }

    public func markSecondFactor(_ session: Session) async throws {
        try await db.transaction { sql in
            try await sql.raw("UPDATE sessions SET second_factor_ok = 1 WHERE token_hash = \(bind: session.tokenHash)").run()
        }
    }

    public func end(_ session: Session, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: session.tokenHash)").run()
            try await AuditLog.append(audit.entry("session.logout", entityType: "user", entityID: session.userID.rawValue), at: now, on: sql, dialect: dialect)
        }
    }
}
