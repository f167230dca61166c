import SQLKit
import Platform

/// Integer numbers for the partner and rule ids that commission lines name, so the
/// hot path writes narrow integer rows. A name keeps its number forever.
public struct CommissionNames: Sendable {
    public enum Kind: String, Sendable {
        case partner, rule
    }

    let db: Database

    public init(db: Database) { self.db = db }

    /// The number of each name, giving new names the next free numbers.
    public func numbers(_ kind: Kind, of names: [String]) async throws -> [String: Int64] {
        let unique = Array(Set(names)).sorted()
        guard !unique.isEmpty else { return [:] }
        return try await db.transaction { sql in
            var numbers: [String: Int64] = [:]
            for start in stride(from: 0, to: unique.count, by: 400) {
                let chunk = unique[start..<min(unique.count, start + 400)]
                var insert = SQLQueryString("INSERT INTO commission_names (kind, name) VALUES")
                for (index, name) in chunk.enumerated() {
                    insert.appendInterpolation(unsafeRaw: index == 0 ? " (" : ", (")
                    insert.appendInterpolation(bind: kind.rawValue)
                    insert.appendInterpolation(unsafeRaw: ", ")
                    insert.appendInterpolation(bind: name)
                    insert.appendInterpolation(unsafeRaw: ")")
                }
                insert.appendInterpolation(unsafeRaw: " ON CONFLICT (kind, name) DO NOTHING")
                try await sql.raw(insert).run()
                var select = SQLQueryString("SELECT number, name FROM commission_names WHERE kind = ")
                select.appendInterpolation(bind: kind.rawValue)
                select.appendInterpolation(unsafeRaw: " AND name IN (")
                for (index, name) in chunk.enumerated() {
                    if index > 0 { select.appendInterpolation(unsafeRaw: ", ") }
                    select.appendInterpolation(bind: name)
                }
                select.appendInterpolation(unsafeRaw: ")")
                for row in try await sql.raw(select).all() {
                    numbers[try row.decode(column: "name", as: String.self)] = try row.decode(column: "number", as: Int64.self)
                }
            }
            return numbers
        }
    }

    /// The number of one name, if it has one.
    public func number(_ kind: Kind, of name: String) async throws -> Int64? {
        try await db.read { sql in
            try await sql.raw("SELECT number FROM commission_names WHERE kind = \(bind: kind.rawValue) AND name = \(bind: name)").first()?
                .decode(column: "number", as: Int64.self)
        }
    }
}
