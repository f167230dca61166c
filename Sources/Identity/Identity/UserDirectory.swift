import BrokerCore
import Platform
import SQLKit

/// Identity's published reads for other slices, usable inside their own transaction.
public enum UserDirectory {
    /// What kind of person `userID` is (trader, partner, staff), nil when there is no such user.
    public static func kind(of userID: UserID, on sql: any SQLDatabase) async throws -> PrincipalKind? {
        guard let row = try await sql.raw("SELECT kind FROM users WHERE id = \(bind: userID)").first() else { return nil }
        return PrincipalKind(rawValue: try row.decode(column: "kind", as: String.self))
    }
}

extension UserDirectory {
    /// When `userID` registered (microseconds), nil when there is no such user.
    public static func registeredAt(_ userID: UserID, on sql: any SQLDatabase) async throws -> Int64? {
        try await sql.raw("SELECT created_at FROM users WHERE id = \(bind: userID)").first()?.decode(column: "created_at", as: Int64.self)
    }
}

extension UserDirectory {
    /// How many users there are of each kind.
    public static func counts(on sql: any SQLDatabase) async throws -> [PrincipalKind: Int64] {
        var counts: [PrincipalKind: Int64] = [:]
        for row in try await sql.raw("SELECT kind, COUNT(*) AS n FROM users GROUP BY kind").all() {
            if let kind = PrincipalKind(rawValue: try row.decode(column: "kind", as: String.self)) { counts[kind] = try row.decode(column: "n", as: Int64.self) }
        }
        return counts
    }
}
