import Foundation

/// Where the data lives, parsed from `PIPSTACK_DATABASE_URL`:
/// `sqlite:PATH` or `postgres://user:pass@host:port/db`.
public enum DatabaseURL: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String, port: Int, user: String, password: String?, database: String)

    public init(parsing text: String) throws(StorageError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw .invalidURL("sqlite: needs a file path, e.g. sqlite:./data/pipstack.sqlite") }
            self = .sqlite(path: path)
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              let components = URLComponents(string: text), let host = components.host, !host.isEmpty
        else { throw .invalidURL("expected sqlite:PATH or postgres://user:pass@host:port/db, got \(DatabaseURL.redact(text))") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw .invalidURL("the PostgreSQL URL names no database") }
        self = .postgres(host: host, port: components.port ?? 5432,
                         user: components.user?.removingPercentEncoding ?? "postgres",
                         password: components.password?.removingPercentEncoding,
                         database: database)
    }

    /// The URL as `--database-url` takes it, password included (for child processes, never for logs).
    public var commandLineText: String {
        switch self {
        case let .sqlite(path): "sqlite:\(path)"
        case let .postgres(host, port, user, password, database): "postgres://\(user)\(password.map { ":\($0)" } ?? "")@\(host):\(port)/\(database)"
        }
    }

    /// The URL without its password, for logs.
    public var description: String {
        switch self {
        case let .sqlite(path): "sqlite:\(path)"
        case let .postgres(host, port, user, _, database): "postgres://\(user)@\(host):\(port)/\(database)"
        }
    }

    static func redact(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let colon = text[..<at].lastIndex(of: ":"),
              text[..<colon].contains("//") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }
}
