import BrokerCore
import HummingbirdBcrypt
import Platform
import SQLKit

/// Many traders at once, as a broker moving from another CRM brings them (and as the
/// page benchmark seeds 100,000): one multi-row insert per batch in one transaction, an
/// email already registered skipped rather than failing the batch, and one audit event
/// per batch that names how many came in. Imported traders have no usable password;
/// they set one through a password reset or an invitation.
public struct UserImport: Sendable {
    public let db: Database
    public let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    public struct Trader: Sendable, Equatable {
        public let email: String
        public let displayName: String
        /// When they registered with the broker they come from (microseconds, UTC).
        public let registeredAt: Int64

        public init(email: String, displayName: String, registeredAt: Int64) {
            self.email = email
            self.displayName = displayName
            self.registeredAt = registeredAt
        }
    }

    /// Rows per INSERT statement: well under SQLite's 32,766 bound parameters.
    static let rowsPerStatement = 500

    /// Imports `traders` into `brandID` and returns the ids of those created, in order;
    /// an invalid email refuses the whole batch before anything is written.
    public func importTraders(_ traders: [Trader], brandID: BrandID, audit: AuditContext) async throws -> [UserID] {
        let emails = try traders.map { try IdentityService.normalise(email: $0.email) }
        // One unusable hash for the batch: nobody knows the random password it hashes.
        let unusable = Bcrypt.hash(Tokens.random(), cost: 4)
        let now = clock.nowMicros()
        let dialect = db.dialect
        let ids = traders.map { _ in UserID("usr_\(Tokens.random(bytes: 10))") }
        return try await db.transaction { sql in
            var created: [UserID] = []
            for start in stride(from: 0, to: traders.count, by: Self.rowsPerStatement) {
                let range = start..<min(start + Self.rowsPerStatement, traders.count)
                let values: [SQLQueryString] = range.map { index in
                    """
                    (\(bind: ids[index].rawValue), 'trader', \(bind: emails[index]), \(bind: brandID.rawValue), \(bind: traders[index].displayName),
                     \(bind: unusable), NULL, 'active', \(bind: traders[index].registeredAt), \(bind: now))
                    """
                }
                let query: SQLQueryString = "INSERT INTO users (id, kind, email, brand_id, display_name, password_hash, role, status, created_at, updated_at) VALUES "
                    + values.joined(separator: ", ") + " ON CONFLICT (kind, email) DO NOTHING RETURNING id"
                let inserted = try await sql.raw(query).all().map { UserID(try $0.decode(column: "id", as: String.self)) }
                let rows = Dictionary(uniqueKeysWithValues: range.map { (ids[$0], (email: emails[$0], name: traders[$0].displayName)) })
                try await UserSearchTerms.insert(inserted.compactMap { id in rows[id].map { (id, $0.email, $0.name) } }, on: sql)
                created += inserted
            }
            try await AuditLog.append(audit.entry("user.import", entityType: "brand", entityID: brandID.rawValue,
                                                 after: IdentityService.json(["kind": "trader", "imported": "\(created.count)",
                                                                              "skipped": "\(traders.count - created.count)"])),
                                      at: now, on: sql, dialect: dialect)
            let order = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            return created.sorted { (order[$0] ?? 0) < (order[$1] ?? 0) }
        }
    }
}
