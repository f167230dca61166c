import BrokerCore
import Foundation
import HummingbirdBcrypt
import SQLKit
import Platform

/// People invited by staff: a user created without a password (status `invited`),
/// and an emailed one-time link to choose one. Links are stored hashed (in the
/// password-reset table, as both are "a token that sets a password"), expire after
/// seven days, and a new invitation spends the earlier ones. Every step is audited.
/// The email's words come from the caller, in the invited person's language.
public struct Invitations: Sendable {
    public let identity: IdentityService
    public let validityMicros: Int64 = 7 * 86_400_000_000

    public init(identity: IdentityService) { self.identity = identity }

    /// What the invitation email says, given its link: composed by the web layer in the person's language.
    public typealias Compose = @Sendable (_ user: User, _ token: String) -> MailMessage

    /// Creates the user, invited, and queues its invitation in the same transaction.
    public func invite(kind: PrincipalKind, email: String, displayName: String, role: StaffRole? = nil, language: Language?, brandID: BrandID,
                       compose: Compose, audit: AuditContext) async throws -> User {
        let email = try IdentityService.normalise(email: email)
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw IdentityError.invalidName }
        if kind == .staff, role == nil { throw IdentityError.invalidRole("staff need a role") }
        let id = UserID("usr_\(Tokens.random(bytes: 10))")
        // No one knows this password: the person sets theirs through the link.
        let unusable = Bcrypt.hash(Tokens.random(), cost: identity.bcryptCost)
        let now = identity.clock.nowMicros()
        let user = User(id: id, kind: kind, email: email, brandID: brandID, displayName: name, role: kind == .staff ? role : nil,
                        totpEnabled: false, status: "invited", language: language?.rawValue)
        let token = Tokens.random()
        let message = compose(user, token)
        let dialect = identity.db.dialect
        try await identity.db.transaction { sql in
            if try await sql.raw("SELECT id FROM users WHERE kind = \(bind: kind.rawValue) AND email = \(bind: email)").first() != nil {
                throw IdentityError.emailTaken(email)
            }
            try await sql.raw("""
                INSERT INTO users (id, kind, email, brand_id, display_name, password_hash, role, status, language, created_at, updated_at)
                VALUES (\(bind: id.rawValue), \(bind: kind.rawValue), \(bind: email), \(bind: brandID.rawValue), \(bind: name), \(bind: unusable),
                        \(bind: user.role?.rawValue), 'invited', \(bind: language?.rawValue), \(bind: now), \(bind: now))
                """).run()
            try await UserSearchTerms.insert([(id, email, name)], on: sql)
            try await Self.issue(token: token, user: id, message: message, expires: now + validityMicros, now: now, on: sql)
            try await AuditLog.append(audit.entry("user.invite", entityType: "user", entityID: id.rawValue,
                                                  after: IdentityService.json(["kind": kind.rawValue, "email": email, "role": user.role?.rawValue ?? ""])),
                                      at: now, on: sql, dialect: dialect)
        }
        return user
    }

    /// A new link for someone still invited; earlier links stop working.
    public func resend(userID: UserID, compose: Compose, audit: AuditContext) async throws {
        guard let user = try await identity.user(id: userID) else { throw IdentityError.notFound(userID.rawValue) }
        guard user.status == "invited" else { throw IdentityError.notInvited }
        let token = Tokens.random()
        let message = compose(user, token)
        let now = identity.clock.nowMicros()
        let dialect = identity.db.dialect
        try await identity.db.transaction { sql in
            try await sql.raw("UPDATE password_resets SET used_at = \(bind: now) WHERE user_id = \(bind: userID.rawValue) AND used_at IS NULL").run()
            try await Self.issue(token: token, user: userID, message: message, expires: now + validityMicros, now: now, on: sql)
            try await AuditLog.append(audit.entry("user.invitation_resent", entityType: "user", entityID: userID.rawValue), at: now, on: sql, dialect: dialect)
        }
    }

    /// The invited person chooses a password through the link: the link is spent and the user becomes active.
    public func accept(token: String, password: String, audit: AuditContext) async throws -> User {
        try IdentityService.check(password: password)
        let now = identity.clock.nowMicros()
        let userID: UserID = try await identity.db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE password_resets SET used_at = \(bind: now)
                WHERE token_hash = \(bind: Tokens.sha256Hex(token)) AND used_at IS NULL AND expires_at > \(bind: now) RETURNING user_id
                """).all()
            guard let row = rows.first else { throw IdentityError.invalidToken }
            let id = UserID(try row.decode(column: "user_id", as: String.self))
            let activated = try await sql.raw("""
                UPDATE users SET status = 'active', updated_at = \(bind: now) WHERE id = \(bind: id.rawValue) AND status = 'invited' RETURNING id
                """).all()
            guard !activated.isEmpty else { throw IdentityError.invalidToken }
            return id
        }
        try await identity.changePassword(userID: userID, newPassword: password, audit: audit)
        try await identity.db.transaction { sql in
            try await AuditLog.append(audit.entry("user.invitation_accepted", entityType: "user", entityID: userID.rawValue), at: now, on: sql,
                                      dialect: identity.db.dialect)
        }
        guard let user = try await identity.user(id: userID) else { throw IdentityError.notFound(userID.rawValue) }
        return user
    }

    /// Whether `token` is a live invitation, and whose: the page asks before showing the form.
    public func invitee(token: String) async throws -> User? {
        let now = identity.clock.nowMicros()
        let id = try await identity.db.read { sql in
            try await sql.raw("""
                SELECT user_id FROM password_resets WHERE token_hash = \(bind: Tokens.sha256Hex(token)) AND used_at IS NULL AND expires_at > \(bind: now)
                """).first()?.decode(column: "user_id", as: String.self)
        }
        guard let id, let user = try await identity.user(id: UserID(id)), user.status == "invited" else { return nil }
        return user
    }

    /// The link's row and the email job, in the caller's transaction.
    static func issue(token: String, user: UserID, message: MailMessage, expires: Int64, now: Int64, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO password_resets (token_hash, user_id, expires_at, created_at)
            VALUES (\(bind: Tokens.sha256Hex(token)), \(bind: user.rawValue), \(bind: expires), \(bind: now))
            """).run()
        try await JobQueue.enqueue(kind: MailMessage.jobKind, payload: String(decoding: try JSONEncoder().encode(message), as: UTF8.self), queue: "default",
                                   id: "job_\(Tokens.random(bytes: 10))", now: now, on: sql)
    }
}
