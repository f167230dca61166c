import BrokerCore

/// Storage failures, told apart by what a person does about them: fix the
/// configuration, repair or restore data, or find the bug behind a broken invariant.
/// The last three are permanent: retrying repeats them, so a pipeline that meets one
/// stops (see `ServiceLoop`).
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible, StopsPipeline {
    case invalidURL(String)
    case schemaTooNew(database: Int, known: Int)
    case sqlite(code: Int32, message: String)
    /// The database's own words on a failed statement (PostgreSQL's message and SQLSTATE).
    case database(String)
    case notFound(String)
    /// The deployment is set up wrongly (no writer for the database, a missing setting).
    case misconfigured(String)
    /// A stored row this build cannot read: names the table and the row.
    case corruptRow(table: String, row: String, String)
    /// A rule money depends on does not hold: something wrote what it never should.
    case brokenInvariant(String)

    public var description: String {
        switch self {
        case let .invalidURL(message): "invalid database URL: \(message)"
        case let .schemaTooNew(database, known):
            "the database schema is at version \(database), newer than this build knows (\(known)); run a newer pipstack"
        case let .sqlite(code, message): "SQLite error \(code): \(message)"
        case let .database(message): "database error: \(message)"
        case let .notFound(what): "not found: \(what)"
        case let .misconfigured(what): "misconfigured: \(what)"
        case let .corruptRow(table, row, what): "corrupt row in \(table) (\(row)): \(what)"
        case let .brokenInvariant(what): "broken invariant: \(what)"
        }
    }

    public var stopsPipeline: Bool {
        switch self {
        case .misconfigured, .corruptRow, .brokenInvariant, .schemaTooNew: true
        case .invalidURL, .sqlite, .database, .notFound: false
        }
    }
}
