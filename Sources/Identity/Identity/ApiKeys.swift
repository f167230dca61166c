import BrokerCore
import SQLKit
import Platform

/// What an API key may do.
public enum ApiScope: String, Sendable, Codable, CaseIterable {
    case read = "read"
    case ledgerWrite = "ledger:write"
    /// Balance operations on trading accounts.
    case tradingWrite = "trading:write"
    /// Reporting what happened to clients outside trading (deposits, KYC approvals).
    case clientsWrite = "clients:write"
    case admin = "admin"
}

/// API keys: shown once as `psk_<id>_<secret>`, stored as a SHA-256 hash, scoped,
/// revocable. A key acts as the user who created it, within its scopes.
public struct ApiKeys: Sendable {
    public let db: Database
    public let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    public func create(for user: User, name: String, scopes: [ApiScope], audit: AuditContext) async throws -> String {
        let id = Tokens.random(bytes: 6)
        let secret = Tokens.random(bytes: 24)
        let plaintext = "psk_\(id)_\(secret)"
        let now = clock.nowMicros()
        let scopeText = scopes.map(\.rawValue).sorted().joined(separator: " ")
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO api_keys (id, key_hash, user_id, name, scopes, created_at)
                VALUES (\(bind: id), \(bind: Tokens.sha256Hex(plaintext)), \(bind: user.id.rawValue), \(bind: name), \(bind: scopeText), \(bind: now))
                """).run()
            try await AuditLog.append(audit.entry("api_key.create", entityType: "api_key", entityID: id, after: "{\"scopes\":\"\(scopeText)\",\"user\":\"\(user.id.rawValue)\"}"), at: now, on: sql, dialect: dialect)
        }
        return plaintext
    }

    /// The user and scopes of a presented key; nil when unknown or revoked.
    public func authenticate(_ plaintext: String) async throws -> (userID: UserID, scopes: Set<ApiScope>)? {
        guard plaintext.hasPrefix("psk_"), plaintext.count < 200 else { return nil }
        let hash = Tokens.sha256Hex(plaintext)
        return try await db.read { sql in
            guard let row = try await sql.raw("SELECT user_id, scopes FROM api_keys WHERE key_hash = \(bind: hash) AND revoked_at IS NULL").first()
            else { return nil }
            let scopes = Set(try row.decode(column: "scopes", as: String.self).split(separator: " ").compactMap { ApiScope(rawValue: String($0)) })
            return (UserID(try row.decode(column: "user_id", as: String.self)), scopes)
        }
    }

    /// A user's keys (never the secrets), newest first.
    public func list(for userID: UserID) async throws -> [ApiKeySummary] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at DESC
                """).all().map { row in
                    ApiKeySummary(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                                  scopes: try row.decode(column: "scopes", as: String.self),
                                  createdAt: try row.decode(column: "created_at", as: Int64.self),
                                  revokedAt: try row.decode(column: "revoked_at", as: Int64?.self))
                }
        }
    }

    /// The owner of a key, to check who may revoke it.
    public func owner(of id: String) async throws -> UserID? {
        try await db.read { sql in
            try await sql.raw("SELECT user_id FROM api_keys WHERE id = \(bind: id)").first().map { UserID(try $0.decode(column: "user_id", as: String.self)) }
        }
    }

    public func revoke(id: String, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("UPDATE api_keys SET revoked_at = \(bind: now) WHERE id = \(bind: id)").run()
            try await AuditLog.append(audit.entry("api_key.revoke", entityType: "api_key", entityID: id), at: now, on: sql, dialect: dialect)
        }
    }
}

/// What the back office shows of a key.
public struct ApiKeySummary: Sendable, Equatable {
    public let id: String
    public let name: String
    public let scopes: String
    public let createdAt: Int64
    public let revokedAt: Int64?
}
