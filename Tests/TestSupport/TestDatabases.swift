import Foundation
import Logging
import PostgresNIO
import App
import Platform

/// Real databases for tests: a fresh SQLite file always, and a fresh PostgreSQL
/// database when `PIPSTACK_TEST_POSTGRES_URL` is set (always in CI).
public enum TestDatabases {
    /// The backends this run covers, for parameterised tests.
    public static var kinds: [String] {
        ProcessInfo.processInfo.environment["PIPSTACK_TEST_POSTGRES_URL"].map { _ in ["sqlite", "postgres"] } ?? ["sqlite"]
    }

    public static let logger: Logger = {
        var logger = Logger(label: "pipstack.test")
        logger.logLevel = .warning
        return logger
    }()

    /// A test's pool: as many connections as the server's, but an idle one closes after
    /// a second, so the hundreds of databases a run opens at once stay under the
    /// cluster's connection limit.
    public static let pool = Database.PoolSettings(maximumConnections: 10, idleTimeout: .seconds(1))

    /// A new, migrated, empty database of `kind`.
    public static func make(_ kind: String) async throws -> Database {
        let db = try await Database.open(try url(kind), logger: logger, pool: pool)
        try await MigrationRunner().migrate(db)
        return db
    }

    /// A new, empty (unmigrated) database URL of `kind`.
    public static func url(_ kind: String) async throws -> DatabaseURL {
        switch kind {
        case "postgres":
            guard let text = ProcessInfo.processInfo.environment["PIPSTACK_TEST_POSTGRES_URL"] else {
                throw StorageError.invalidURL("PIPSTACK_TEST_POSTGRES_URL is not set")
            }
            let base = try DatabaseURL(parsing: text)
            guard case let .postgres(host, port, user, password, _) = base else { throw StorageError.invalidURL(text) }
            let name = "pipstack_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
            let admin = try await Database.open(base, logger: logger, pool: Database.PoolSettings(maximumConnections: 1, idleTimeout: .seconds(1)))
            defer { Task { await admin.close() } }
            try await admin.read { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            return .postgres(host: host, port: port, user: user, password: password, database: name)
        default:
            return .sqlite(path: temporaryDirectory().appendingPathComponent("pipstack.sqlite").path)
        }
    }

    /// A new empty folder under the system's temporary directory.
    public static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
