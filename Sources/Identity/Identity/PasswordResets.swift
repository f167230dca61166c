import BrokerCore
import Foundation
import SQLKit
import Platform

/// Password reset by emailed link. The link's token is stored hashed, works once,
/// and expires after an hour. Asking for a reset never reveals whether an account exists.
public struct PasswordResets: Sendable {
    public let identity: IdentityService
    public let validityMicros: Int64 = 3_600_000_000

    public init(identity: IdentityService) { self.identity = identity }

    /// Creates a reset token and queues the email in the same transaction; does
    /// nothing visible when the account is unknown.
    public func request(email: String, kind: PrincipalKind, resetURL: @Sendable (String) -> String, audit: AuditContext) async throws {
        guard let user = try await identity.user(email: email, kind: kind), user.status == "active" else { return }
        let token = Tokens.random()
        let now = identity.clock.nowMicros()
        let expires = now + validityMicros
        let mail = MailMessage(to: user.email, subject: "Reset your password",
                               body: "Someone asked to reset the password of your account.\n\nOpen this link within one hour to choose a new one:\n\(resetURL(token))\n\nIf it was not you, ignore this email.")
        let payload = String(decoding: try JSONEncoder().encode(mail), as: UTF8.self)
        let dialect = identity.db.dialect
        try await identity.db.transaction { sql in
            try await sql.raw("""
                INSERT INTO password_resets (token_hash, user_id, expires_at, created_at)
                VALUES (\(bind: Tokens.sha256Hex(token)), \(bind: user.id.rawValue), \(bind: expires), \(bind: now))
                """).run()
            try await JobQueue.enqueue(kind: MailMessage.jobKind, payload: payload, queue: "default",
                                       id: "job_\(Tokens.random(bytes: 10))", now: now, on: sql)
            try await AuditLog.append(audit.entry("user.password_reset_requested", entityType: "user", entityID: user.id.rawValue),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Sets a new password with a valid token; the token is spent.
    public func complete(token: String, newPassword: String, audit: AuditContext) async throws -> UserID {
        try IdentityService.check(password: newPassword)
        let hash = Tokens.sha256Hex(token)
        let now = identity.clock.nowMicros()
        let userID: UserID = try await identity.db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE password_resets SET used_at = \(bind: now)
                WHERE token_hash = \(bind: hash) AND used_at IS NULL AND expires_at > \(bind: now) RETURNING user_id
                """).all()
            guard let row = rows.first else { throw IdentityError.invalidToken }
            return UserID(try row.decode(column: "user_id", as: String.self))
        }
        try await identity.changePassword(userID: userID, newPassword: newPassword, audit: audit)
        return userID
    }
}
