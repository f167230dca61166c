import Platform
import SQLKit

/// The partner network's effective-dated tables (links, plan assignments,
/// attributions): a row holds from `valid_from` (inclusive) to `valid_to` (exclusive,
/// `Effective.open` while open). The two queries every such table needs live here once.
enum EffectiveRows {
    /// The rows of `table` in force at `time`, with `columns`.
    static func inForce(_ columns: String, from table: String, at time: Int64, on sql: any SQLDatabase) async throws -> [any SQLRow] {
        try await sql.raw("""
            SELECT \(unsafeRaw: columns) FROM \(unsafeRaw: table) WHERE valid_from <= \(bind: time) AND valid_to > \(bind: time)
            """).all()
    }

    /// Ends the open period of the row keyed by `key` (and `extra`) at `at`, before a new
    /// one starts; returns the row that was open, if any. A change may only start after
    /// the one in force.
    @discardableResult
    static func close(table: String, key: (column: String, value: String), extra: (column: String, value: String)? = nil, at: Int64, what: String,
                      on sql: any SQLDatabase) async throws -> (any SQLRow)? {
        let filter = extra.map { SQLQueryString(" AND \(unsafeRaw: $0.column) = \(bind: $0.value)") } ?? SQLQueryString("")
        let current = try await sql.raw("""
            SELECT * FROM \(unsafeRaw: table) WHERE \(unsafeRaw: key.column) = \(bind: key.value)\(filter) AND valid_to = \(bind: Effective.open)
            """).first()
        if let current {
            guard try current.decode(column: "valid_from", as: Int64.self) < at else { throw PartnerError.notAfterCurrent(what) }
            try await sql.raw("""
                UPDATE \(unsafeRaw: table) SET valid_to = \(bind: at) WHERE \(unsafeRaw: key.column) = \(bind: key.value)\(filter) AND valid_to = \(bind: Effective.open)
                """).run()
        }
        return current
    }
}
