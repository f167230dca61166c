import CommissionsCore
import Foundation
import Platform
import SQLKit

/// The partner network's published reads for whoever keeps books of it (the
/// commission pipeline's cache): when the tree, plans, assignments or attributions
/// changed, and whether any plan needs accounts' money.
extension BookBuilder {
    /// Every moment at which the tree, a plan, an assignment or an attribution changed.
    public func changePoints() async throws -> [Int64] {
        try await partners.db.read { sql in
            var points: Set<Int64> = []
            for query: SQLQueryString in [
                "SELECT valid_from AS t FROM partner_links UNION SELECT valid_to FROM partner_links",
                "SELECT valid_from AS t FROM partner_plans UNION SELECT valid_to FROM partner_plans",
                "SELECT valid_from AS t FROM attributions UNION SELECT valid_to FROM attributions",
                "SELECT effective_from AS t FROM commission_plans",
            ] {
                for row in try await sql.raw(query).all() { points.insert(try row.decode(column: "t", as: Int64.self)) }
            }
            points.remove(Effective.open)
            return points.sorted()
        }
    }

    /// How many rows the network's tables have: a new plan version or assignment at a
    /// moment that was a change point already adds no point, but changes this.
    public func generation() async throws -> [Int64] {
        try await partners.db.read { sql in try await Self.generation(on: sql) }
    }

    /// `generation()` inside the caller's read.
    public static func generation(on sql: any SQLDatabase) async throws -> [Int64] {
        guard let row = try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM partner_links) AS links, (SELECT COUNT(*) FROM partner_plans) AS assignments,
                (SELECT COUNT(*) FROM attributions) AS attributions, (SELECT COUNT(*) FROM commission_plans) AS plans
            """).first() else { return [] }
        return try ["links", "assignments", "attributions", "plans"].map { try row.decode(column: $0, as: Int64.self) }
    }

    /// Whether any stored plan version applies the bonus coefficient.
    public func usesBonusCoefficient() async throws -> Bool {
        try await partners.db.read { sql in
            try await sql.raw("SELECT document FROM commission_plans").all().contains { row in
                let document = try row.decode(column: "document", as: String.self)
                return (try? JSONDecoder().decode(CommissionPlan.self, from: Data(document.utf8)))?.filters.bonusCoefficient ?? false
            }
        }
    }
}
