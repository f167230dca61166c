import Logging
import Platform
import PostgresNIO

/// Earlier versions of deals a server corrected or cancelled, for the consumers that
/// undo what they derived from a version inside their own transaction (the
/// commission writers): the version a feed position replaced, and its volume.
public enum DealRevisions {
    /// One stored earlier version: the feed position it replaced (0 for a first
    /// version) and its volume (10^-8 lots).
    public struct Revision: Sendable, Equatable {
        public let replaces: Int64
        public let volume: Int64
    }

    static func revisionSQL(_ parameter: String) -> String {
        "SELECT replaces_seq, volume FROM trade_deal_revisions WHERE feed_seq = \(parameter)"
    }

    /// The earlier version stored at feed position `seq`, nil when none is.
    package static func revision(at seq: Int64, on handle: SQLiteHandle) throws -> Revision? {
        let statement = try handle.statement(revisionSQL("?1"))
        statement.bind(1, seq)
        defer { statement.reset() }
        return try statement.step() ? Revision(replaces: statement.int64(0), volume: statement.int64(1)) : nil
    }

    package static func revision(at seq: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Revision? {
        var bindings = PostgresBindings()
        bindings.append(seq)
        var found: Revision?
        let rows = try await connection.query(PostgresQuery(unsafeSQL: revisionSQL("$1"), binds: bindings), logger: logger)
        for try await (replaces, volume) in rows.decode((Int64, Int64).self) { found = Revision(replaces: replaces, volume: volume) }
        return found
    }
}
