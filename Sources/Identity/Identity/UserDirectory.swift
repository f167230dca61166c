import BrokerCore
import Foundation
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
    /// The brand each of `userIDs` registered under; users that do not exist are left out.
    public static func brands(of userIDs: [String], on sql: any SQLDatabase) async throws -> [String: BrandID] {
        var brands: [String: BrandID] = [:]
        for chunk in stride(from: 0, to: userIDs.count, by: 500).map({ Array(userIDs[$0..<min($0 + 500, userIDs.count)]) }) {
            for row in try await sql.raw("SELECT id, brand_id FROM users WHERE id IN (\(binds: chunk))").all() {
                brands[try row.decode(column: "id", as: String.self)] = BrandID(try row.decode(column: "brand_id", as: String.self))
            }
        }
        return brands
    }
}

extension UserDirectory {
    /// How many users there are of each kind, of one brand or of all.
    public static func counts(brand: BrandID? = nil, on sql: any SQLDatabase) async throws -> [PrincipalKind: Int64] {
        var counts: [PrincipalKind: Int64] = [:]
        let filter: SQLQueryString = brand.map { "WHERE brand_id = \(bind: $0.rawValue)" } ?? ""
        for row in try await sql.raw("SELECT kind, COUNT(*) AS n FROM users \(filter) GROUP BY kind").all() {
            if let kind = PrincipalKind(rawValue: try row.decode(column: "kind", as: String.self)) { counts[kind] = try row.decode(column: "n", as: Int64.self) }
        }
        return counts
    }
}

extension UserDirectory {
    /// What the client list asks for: traders matching `search` (in the name or the
    /// email, or the id exactly, or one of `ids`), a status, a registration window,
    /// and `ids` (already narrowed by another slice: a partner's clients, a login's owner).
    public struct ClientQuery: Sendable, Equatable {
        public var search = ""
        public var status: String?
        public var brand: BrandID?
        /// Shown in the filter; the Clients slice narrows `ids` to the country's clients.
        public var country: String?
        public var registeredFrom: Int64?
        public var registeredBefore: Int64?
        /// Only these users, when another slice narrowed the list; `searchIDs` also match the search.
        public var ids: Set<String>?
        public var searchIDs: Set<String> = []
        public init() {}
    }

    /// Up to this many matching users, a search narrows the list by their ids.
    static let searchNarrowsUpTo = 2_000

    /// One page of traders, newest first, after the keyset `after` (created_at, id).
    /// A search looks up `user_search_terms`: when few users match, their ids narrow the
    /// list; when many do, the list is walked in order and each row checked against its
    /// own terms, which finds a page of matches quickly. Either way no user is scanned
    /// for a substring.
    public static func clients(_ query: ClientQuery, after: (Int64, String)?, limit: Int, on sql: any SQLDatabase) async throws -> [User] {
        var text = SQLQueryString("SELECT * FROM users WHERE kind = 'trader'")
        let search = query.search.trimmingCharacters(in: .whitespaces)
        if !search.isEmpty {
            let range = UserSearchTerms.range(of: search)
            let found = try await sql.raw("""
                SELECT DISTINCT user_id FROM user_search_terms WHERE term >= \(bind: range.from) AND term < \(bind: range.before) LIMIT \(bind: searchNarrowsUpTo + 1)
                """).all().map { try $0.decode(column: "user_id", as: String.self) }
            let exact = [search] + query.searchIDs.sorted()
            text.appendLiteral(" AND (id IN (")
            text.appendInterpolation(binds: found.count > searchNarrowsUpTo ? exact : exact + found)
            text.appendLiteral(")")
            if found.count > searchNarrowsUpTo {
                text.appendLiteral(" OR EXISTS (SELECT 1 FROM user_search_terms t WHERE t.user_id = users.id AND t.term >= ")
                text.appendInterpolation(bind: range.from)
                text.appendLiteral(" AND t.term < ")
                text.appendInterpolation(bind: range.before)
                text.appendLiteral(")")
            }
            text.appendLiteral(")")
        }
        if let status = query.status {
            text.appendLiteral(" AND status = ")
            text.appendInterpolation(bind: status)
        }
        if let from = query.registeredFrom {
            text.appendLiteral(" AND created_at >= ")
            text.appendInterpolation(bind: from)
        }
        if let before = query.registeredBefore {
            text.appendLiteral(" AND created_at < ")
            text.appendInterpolation(bind: before)
        }
        if let brand = query.brand {
            text.appendLiteral(" AND brand_id = ")
            text.appendInterpolation(bind: brand.rawValue)
        }
        if let ids = query.ids {
            guard !ids.isEmpty else { return [] }
            // One bind for any number of ids (a country may hold most clients): a JSON array.
            let list = String(decoding: try JSONEncoder().encode(ids.sorted()), as: UTF8.self)
            text.appendLiteral(sql.dialect.name == "postgresql" ? " AND id IN (SELECT jsonb_array_elements_text(CAST(" : " AND id IN (SELECT value FROM json_each(")
            text.appendInterpolation(bind: list)
            text.appendLiteral(sql.dialect.name == "postgresql" ? " AS jsonb)))" : "))")
        }
        if let (created, id) = after {
            text.appendLiteral(" AND (created_at < ")
            text.appendInterpolation(bind: created)
            text.appendLiteral(" OR (created_at = ")
            text.appendInterpolation(bind: created)
            text.appendLiteral(" AND id < ")
            text.appendInterpolation(bind: id)
            text.appendLiteral("))")
        }
        text.appendLiteral(" ORDER BY created_at DESC, id DESC LIMIT ")
        text.appendInterpolation(bind: max(1, min(limit, 1_000)))
        return try await sql.raw(text).all().map(IdentityService.decode)
    }

    /// When each user registered, for pages that show it.
    public static func registered(_ user: User, on sql: any SQLDatabase) async throws -> Int64 {
        try await registeredAt(user.id, on: sql) ?? 0
    }
}
