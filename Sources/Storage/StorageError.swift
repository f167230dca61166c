/// Storage failures a person can act on.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidURL(String)
    case schemaTooNew(database: Int, known: Int)
    case sqlite(code: Int32, message: String)
    case notFound(String)
    case conflict(String)

    public var description: String {
        switch self {
        case let .invalidURL(message): "invalid database URL: \(message)"
        case let .schemaTooNew(database, known):
            "the database schema is at version \(database), newer than this build knows (\(known)); run a newer pipstack"
        case let .sqlite(code, message): "SQLite error \(code): \(message)"
        case let .notFound(what): "not found: \(what)"
        case let .conflict(what): "conflict: \(what)"
        }
    }
}
