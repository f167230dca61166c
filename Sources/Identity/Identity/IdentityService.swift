import BrokerCore
import Foundation
import HummingbirdBcrypt
import Logging
import SQLKit
import Platform

/// Accounts, passwords, lock-out and two-factor secrets: every change audited in the
/// same transaction that makes it.
public struct IdentityService: Sendable {
    public let db: Database
    public let clock: any PipstackClock
    public let secretBox: SecretBox
    public let bcryptCost: UInt8
    public let policy: LoginPolicy

    public init(db: Database, clock: any PipstackClock, secretBox: SecretBox, bcryptCost: UInt8 = 12, policy: LoginPolicy = LoginPolicy()) {
        self.db = db
        self.clock = clock
        self.secretBox = secretBox
        self.bcryptCost = bcryptCost
        self.policy = policy
    }

    // MARK: Accounts

    public func createUser(kind: PrincipalKind, email: String, password: String, displayName: String, role: StaffRole? = nil,
                           brandID: BrandID, audit: AuditContext) async throws -> User {
        let email = try Self.normalise(email: email)
        try Self.check(password: password)
        if kind == .staff, role == nil { throw IdentityError.invalidRole("staff need a role") }
        let id: UserID = UserID("usr_\(Tokens.random(bytes: 10))")
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        let now = clock.nowMicros()
        let user = User(id: id, kind: kind, email: email, brandID: brandID, displayName: displayName,
                        role: kind == .staff ? role : nil, totpEnabled: false, status: "active", language: nil)
        let dialect = db.dialect
        try await db.transaction { sql in
            let existing = try await sql.raw("SELECT id FROM users WHERE kind = \(bind: kind.rawValue) AND email = \(bind: email)").first()
            if existing != nil { throw IdentityError.emailTaken(email) }
            try await sql.raw("""
                INSERT INTO users (id, kind, email, brand_id, display_name, password_hash, role, status, created_at, updated_at)
                VALUES (\(bind: id.rawValue), \(bind: kind.rawValue), \(bind: email), \(bind: brandID.rawValue), \(bind: displayName),
                        \(bind: hash), \(bind: user.role?.rawValue), 'active', \(bind: now), \(bind: now))
                """).run()
            try await UserSearchTerms.insert([(id, email, displayName)], on: sql)
            try await AuditLog.append(audit.entry("user.create", entityType: "user", entityID: id.rawValue, after: Self.json(["kind": kind.rawValue, "email": email, "role": user.role?.rawValue ?? ""])), at: now, on: sql, dialect: dialect)
        }
        return user
    }

    public func user(id: UserID) async throws -> User? {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM users WHERE id = \(bind: id.rawValue)").first().map(Self.decode)
        }
    }

    public func user(email: String, kind: PrincipalKind) async throws -> User? {
        let email = email.lowercased().trimmingCharacters(in: .whitespaces)
        return try await db.read { sql in
            try await sql.raw("SELECT * FROM users WHERE kind = \(bind: kind.rawValue) AND email = \(bind: email)").first().map(Self.decode)
        }
    }

    public func users(kind: PrincipalKind? = nil, limit: Int = 200) async throws -> [User] {
        try await db.read { sql in
            var query = SQLQueryString("SELECT * FROM users")
            if let kind { query.appendInterpolation(unsafeRaw: " WHERE kind = "); query.appendInterpolation(bind: kind.rawValue) }
            query.appendInterpolation(unsafeRaw: " ORDER BY email LIMIT ")
            query.appendInterpolation(bind: limit)
            return try await sql.raw(query).all().map(Self.decode)
        }
    }

    // MARK: Login

    /// Checks a password, applying the lock-out policy. Unknown emails cost a bcrypt
    /// verification too, so timing does not reveal which accounts exist.
    public func verifyPassword(email: String, password: String, kind: PrincipalKind, audit: AuditContext) async throws -> PasswordCheck {
        let now = clock.nowMicros()
        let email = email.lowercased().trimmingCharacters(in: .whitespaces)
        let row = try await db.read { sql in
            try await sql.raw("SELECT * FROM users WHERE kind = \(bind: kind.rawValue) AND email = \(bind: email)").first().map {
                (try Self.decode($0), try $0.decode(column: "password_hash", as: String.self),
                 try $0.decode(column: "locked_until", as: Int64.self), try $0.decode(column: "failed_logins", as: Int.self))
            }
        }
        guard let (user, hash, lockedUntil, failures) = row else {
            _ = Bcrypt.verify(password, hash: Self.dummyHash)
            return .invalid
        }
        if lockedUntil > now { return .locked(until: lockedUntil) }
        guard user.status == "active" else { return .invalid }
        let dialect = db.dialect
        if Bcrypt.verify(password, hash: hash) {
            if failures > 0 {
                try await db.transaction { sql in
                    try await sql.raw("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = \(bind: user.id.rawValue)").run()
                }
            }
            return .ok(user)
        }
        let newFailures = failures + 1
        let lock = newFailures >= policy.maxFailures ? now + policy.lockoutMicros : 0
        try await db.transaction { sql in
            try await sql.raw("UPDATE users SET failed_logins = \(bind: newFailures), locked_until = \(bind: lock) WHERE id = \(bind: user.id.rawValue)").run()
            if lock > 0 {
                try await AuditLog.append(audit.entry("user.locked", entityType: "user", entityID: user.id.rawValue, after: Self.json(["failed_logins": "\(newFailures)"])),
                                          at: now, on: sql, dialect: dialect)
            }
        }
        return lock > 0 ? .locked(until: lock) : .invalid
    }

    public func changePassword(userID: UserID, newPassword: String, audit: AuditContext) async throws {
        try Self.check(password: newPassword)
        let hash = Bcrypt.hash(newPassword, cost: bcryptCost)
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE users SET password_hash = \(bind: hash), failed_logins = 0, locked_until = 0, updated_at = \(bind: now)
                WHERE id = \(bind: userID.rawValue)
                """).run()
            // Every session of the user ends with a password change.
            try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userID.rawValue)").run()
            try await AuditLog.append(audit.entry("user.password_change", entityType: "user", entityID: userID.rawValue), at: now, on: sql, dialect: dialect)
        }
    }

    /// A person's own language and time zone; an unknown zone is refused. Audited.
    public func setPreferences(userID: UserID, language: Language, timeZone: String, audit: AuditContext) async throws {
        guard TimeZone(identifier: timeZone) != nil, timeZone.count <= 64 else { throw IdentityError.invalidTimeZone }
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE users SET language = \(bind: language.rawValue), time_zone = \(bind: timeZone), updated_at = \(bind: now) WHERE id = \(bind: userID.rawValue)
                """).run()
            try await AuditLog.append(audit.entry("user.preferences", entityType: "user", entityID: userID.rawValue,
                                                  after: Self.json(["language": language.rawValue, "time_zone": timeZone])), at: now, on: sql, dialect: dialect)
        }
    }

    /// Keeps the language a person chose on a page (the language switcher) as theirs, so emails go out in it.
    public func rememberLanguage(userID: UserID, _ language: Language) async throws {
        try await db.transaction { sql in
            try await sql.raw("UPDATE users SET language = \(bind: language.rawValue) WHERE id = \(bind: userID.rawValue)").run()
        }
    }

    // MARK: Two-factor

    /// The pending (not yet confirmed) TOTP secret, created and stored encrypted on
    /// first use, so that reloading the enrolment page keeps the same secret.
    public func beginTOTPEnrolment(userID: UserID) async throws -> String {
        let box = secretBox
        return try await db.transaction { sql in
            let row = try await sql.raw("SELECT totp_secret, totp_enabled FROM users WHERE id = \(bind: userID.rawValue)").first()
            if let sealed = try row?.decode(column: "totp_secret", as: String?.self), try row?.decode(column: "totp_enabled", as: Int.self) == 0,
               let secret = try? box.open(sealed) {
                return secret
            }
            let secret = Tokens.random(bytes: 10)
            try await sql.raw("UPDATE users SET totp_secret = \(bind: try box.seal(secret)), totp_enabled = 0 WHERE id = \(bind: userID.rawValue)").run()
            return secret
        }
    }

    /// Confirms enrolment with a first valid code.
    public func confirmTOTP(userID: UserID, code: String, audit: AuditContext) async throws -> Bool {
        guard try await checkTOTP(userID: userID, code: code, requireEnabled: false) else { return false }
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("UPDATE users SET totp_enabled = 1, updated_at = \(bind: now) WHERE id = \(bind: userID.rawValue)").run()
            try await AuditLog.append(audit.entry("user.totp_enabled", entityType: "user", entityID: userID.rawValue), at: now, on: sql, dialect: dialect)
        }
        return true
    }

    public func checkTOTP(userID: UserID, code: String, requireEnabled: Bool = true) async throws -> Bool {
        let row = try await db.read { sql in
            try await sql.raw("SELECT totp_secret, totp_enabled FROM users WHERE id = \(bind: userID.rawValue)").first().map {
                (try $0.decode(column: "totp_secret", as: String?.self), try $0.decode(column: "totp_enabled", as: Int.self))
            }
        }
        guard let (sealed, enabled) = row, let sealed, !requireEnabled || enabled == 1 else { return false }
        return TOTPCheck.verify(code: code, secret: try secretBox.open(sealed), atMicros: clock.nowMicros())
    }

    // MARK: Helpers

    public static func normalise(email: String) throws -> String {
        guard let normalised = EmailAddress.normalised(email) else { throw IdentityError.invalidEmail(email) }
        return normalised
    }

    public static func check(password: String) throws {
        guard password.count >= 10 else { throw IdentityError.weakPassword("use at least 10 characters") }
        guard password.utf8.count <= 72 else { throw IdentityError.weakPassword("use at most 72 bytes") }
    }

    static func json(_ fields: [String: String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static let dummyHash = Bcrypt.hash("pipstack-dummy-password", cost: 10)

    static func decode(_ row: any SQLRow) throws -> User {
        var user = User(id: UserID(try row.decode(column: "id", as: String.self)),
             kind: PrincipalKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .trader,
             email: try row.decode(column: "email", as: String.self),
             brandID: BrandID(try row.decode(column: "brand_id", as: String.self)),
             displayName: try row.decode(column: "display_name", as: String.self),
             role: try row.decode(column: "role", as: String?.self).flatMap(StaffRole.init(rawValue:)),
             totpEnabled: try row.decode(column: "totp_enabled", as: Int.self) == 1,
             status: try row.decode(column: "status", as: String.self),
             language: try row.decode(column: "language", as: String?.self))
        user.createdAt = try row.decode(column: "created_at", as: Int64?.self)
        user.timeZone = try row.decode(column: "time_zone", as: String?.self)
        return user
    }
}

/// The outcome of a password check.
public enum PasswordCheck: Sendable, Equatable {
    case ok(User)
    case invalid
    case locked(until: Int64)
}

/// Lock-out and two-factor settings.
public struct LoginPolicy: Sendable {
    public var maxFailures: Int
    public var lockoutMicros: Int64
    /// Staff roles that must pass TOTP before reaching the back office.
    public var twoFactorRoles: Set<StaffRole>

    public init(maxFailures: Int = 5, lockoutSeconds: Int64 = 900, twoFactorRoles: Set<StaffRole> = StaffRole.twoFactorByDefault) {
        self.maxFailures = maxFailures
        self.lockoutMicros = lockoutSeconds * 1_000_000
        self.twoFactorRoles = twoFactorRoles
    }

    public func requiresTwoFactor(_ user: User) -> Bool {
        guard user.kind == .staff, let role = user.role else { return false }
        return twoFactorRoles.contains(role)
    }
}
