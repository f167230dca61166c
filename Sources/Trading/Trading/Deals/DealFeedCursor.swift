import Logging
import Platform
import PostgresNIO
import SQLKit

/// A named reader of the deal feed and how far it has read: the feed's published
/// contract. A consumer that writes its own results moves its cursor in the same
/// transaction as them, through one of the `advance` functions here, whichever way it
/// talks to the database (SQLKit, the SQLite C API of a bulk writer, or PostgresNIO),
/// so the statements live once, with the table's owner.
public struct DealFeedCursor: Sendable {
    public let db: Database

    public init(db: Database) { self.db = db }

    /// The cursor row's statements with numbered parameters: the consumer, then (to
    /// advance) the position and the time. The position never moves back.
    static func positionSQL(_ parameter: (Int) -> String) -> String {
        "SELECT seq FROM deal_feed_consumers WHERE consumer = \(parameter(1))"
    }

    static func advanceSQL(_ parameter: (Int) -> String) -> String {
        """
        INSERT INTO deal_feed_consumers (consumer, seq, updated_at) VALUES (\(parameter(1)), \(parameter(2)), \(parameter(3)))
        ON CONFLICT (consumer) DO UPDATE SET seq = CASE WHEN excluded.seq > deal_feed_consumers.seq
            THEN excluded.seq ELSE deal_feed_consumers.seq END, updated_at = excluded.updated_at
        """
    }

    public func position(of consumer: String) async throws -> Int64 {
        try await db.read { sql in
            try await sql.raw("SELECT seq FROM deal_feed_consumers WHERE consumer = \(bind: consumer)").first()?
                .decode(column: "seq", as: Int64.self) ?? 0
        }
    }

    /// Moves the cursor forward (never back) inside the caller's transaction.
    public static func advance(_ consumer: String, to seq: Int64, at time: Int64, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO deal_feed_consumers (consumer, seq, updated_at) VALUES (\(bind: consumer), \(bind: seq), \(bind: time))
            ON CONFLICT (consumer) DO UPDATE SET seq = CASE WHEN excluded.seq > deal_feed_consumers.seq
                THEN excluded.seq ELSE deal_feed_consumers.seq END, updated_at = excluded.updated_at
            """).run()
    }
}

/// The cursor for a SQLite bulk writer's own C-API connection, inside its transaction.
extension DealFeedCursor {
    package static func position(of consumer: String, on handle: SQLiteHandle) throws -> Int64 {
        let statement = try handle.statement(positionSQL { "?\($0)" })
        statement.bind(1, consumer)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : 0
    }

    package static func advance(_ consumer: String, to seq: Int64, at time: Int64, on handle: SQLiteHandle) throws {
        let statement = try handle.statement(advanceSQL { "?\($0)" })
        statement.bind(1, consumer)
        statement.bind(2, seq)
        statement.bind(3, time)
        defer { statement.reset() }
        _ = try statement.step()
    }
}

/// The cursor for a PostgresNIO connection, inside its transaction.
extension DealFeedCursor {
    /// Reads the position and locks the cursor row until the transaction ends, so two
    /// writers of one consumer take turns.
    package static func lockedPosition(of consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        var bindings = PostgresBindings()
        bindings.append(consumer)
        var position: Int64 = 0
        let rows = try await connection.query(PostgresQuery(unsafeSQL: positionSQL { "$\($0)" } + " FOR UPDATE", binds: bindings), logger: logger)
        for try await seq in rows.decode(Int64.self) { position = seq }
        return position
    }

    package static func advance(_ consumer: String, to seq: Int64, at time: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        var bindings = PostgresBindings()
        bindings.append(consumer)
        bindings.append(seq)
        bindings.append(time)
        try await connection.query(PostgresQuery(unsafeSQL: advanceSQL { "$\($0)" }, binds: bindings), logger: logger)
    }
}
