import BrokerCore
import Foundation
import HummingbirdBcrypt
import SQLKit
import Platform

/// What an administrator does to other people's accounts: change a staff role,
/// disable and re-enable (a disabled user's sessions end), reset the second factor
/// (enrolment starts again at the next login), and expire a password (sessions end
/// and the person sets a new one through an emailed link). Each step is audited with
/// before and after; no one changes their own access.
public struct UserAdministration: Sendable {
    public let identity: IdentityService

    public init(identity: IdentityService) { self.identity = identity }

    public func setRole(_ userID: UserID, to role: StaffRole, by actor: UserID?, audit: AuditContext) async throws {
        let user = try await other(userID, actor: actor)
        guard user.kind == .staff else { throw IdentityError.invalidRole("only staff have roles") }
        try await update(userID, action: "user.role_changed", before: ["role": user.role?.rawValue ?? ""],
                         after: ["role": role.rawValue], audit: audit) { sql, now in
            try await sql.raw("UPDATE users SET role = \(bind: role.rawValue), updated_at = \(bind: now) WHERE id = \(bind: userID.rawValue)").run()
        }
    }

    /// Disables (ending every session) or enables an account; an invited person stays invited.
    public func setActive(_ userID: UserID, _ active: Bool, by actor: UserID?, audit: AuditContext) async throws {
        let user = try await other(userID, actor: actor)
        let status = active ? (user.status == "disabled" ? "active" : user.status) : "disabled"
        try await update(userID, action: active ? "user.enabled" : "user.disabled", before: ["status": user.status], after: ["status": status],
                         audit: audit) { sql, now in
            try await sql.raw("UPDATE users SET status = \(bind: status), updated_at = \(bind: now) WHERE id = \(bind: userID.rawValue)").run()
            if !active { try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userID.rawValue)").run() }
        }
    }

    /// Forgets the authenticator: the next login enrols a new one.
    public func resetSecondFactor(_ userID: UserID, by actor: UserID?, audit: AuditContext) async throws {
        let user = try await other(userID, actor: actor)
        try await update(userID, action: "user.second_factor_reset", before: ["totp_enabled": "\(user.totpEnabled)"], after: ["totp_enabled": "false"],
                         audit: audit) { sql, now in
            try await sql.raw("UPDATE users SET totp_enabled = 0, totp_secret = NULL, updated_at = \(bind: now) WHERE id = \(bind: userID.rawValue)").run()
            try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userID.rawValue)").run()
        }
    }

    /// The password stops working at once; the person chooses a new one through the emailed link.
    public func expirePassword(_ userID: UserID, by actor: UserID?, compose: Invitations.Compose, audit: AuditContext) async throws {
        let user = try await other(userID, actor: actor)
        let token = Tokens.random()
        let message = compose(user, token)
        let unusable = Bcrypt.hash(Tokens.random(), cost: identity.bcryptCost)
        let expires = identity.clock.nowMicros() + PasswordResets(identity: identity).validityMicros * 24
        try await update(userID, action: "user.password_expired", before: [:], after: [:], audit: audit) { sql, now in
            try await sql.raw("UPDATE users SET password_hash = \(bind: unusable), updated_at = \(bind: now) WHERE id = \(bind: userID.rawValue)").run()
            try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userID.rawValue)").run()
            try await sql.raw("UPDATE password_resets SET used_at = \(bind: now) WHERE user_id = \(bind: userID.rawValue) AND used_at IS NULL").run()
            try await Invitations.issue(token: token, user: userID, message: message, expires: expires, now: now, on: sql)
        }
    }

    /// The user named, when it is not the actor's own account.
    func other(_ userID: UserID, actor: UserID?) async throws -> User {
        guard userID != actor else { throw IdentityError.notOnYourself }
        guard let user = try await identity.user(id: userID) else { throw IdentityError.notFound(userID.rawValue) }
        return user
    }

    private func update(_ userID: UserID, action: String, before: [String: String], after: [String: String], audit: AuditContext,
                        _ body: @Sendable @escaping (any SQLDatabase, Int64) async throws -> Void) async throws {
        let now = identity.clock.nowMicros()
        let dialect = identity.db.dialect
        try await identity.db.transaction { sql in
            try await body(sql, now)
            try await AuditLog.append(audit.entry(action, entityType: "user", entityID: userID.rawValue,
                                                  before: before.isEmpty ? "{}" : IdentityService.json(before),
                                                  after: after.isEmpty ? "{}" : IdentityService.json(after)), at: now, on: sql, dialect: dialect)
        }
    }
}
