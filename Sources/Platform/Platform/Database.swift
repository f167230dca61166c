import BrokerCore
import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLiteKit
import SQLiteNIO
import SQLKit

/// Which SQL the database speaks, for the few places where the two differ.
public enum SQLDialectKind: String, Sendable {
    case sqlite, postgres
}

/// The application's database: SQLite (one WAL writer, serialized, and a pool of
/// read-only connections) or PostgreSQL (a `PostgresClient` pool). Everything else
/// talks to it through SQLKit, inside `read` or `transaction`, so the same
/// repositories run on both.
public final class Database: Sendable {
    public let url: DatabaseURL
    public let dialect: SQLDialectKind
    public let logger: Logger
    package let backend: Backend

    package enum Backend: Sendable {
        case sqlite(SQLiteConnection, AsyncSerialLock, path: String, readers: SQLiteReaderPool)
        case postgres(PostgresClient, Task<Void, Never>)
    }

    private init(url: DatabaseURL, backend: Backend, logger: Logger) {
        self.url = url
        self.backend = backend
        self.logger = logger
        switch backend {
        case .sqlite: dialect = .sqlite
        case .postgres: dialect = .postgres
        }
    }

    /// How many PostgreSQL connections a pool may hold, and how long an idle one stays open.
    /// Tests open hundreds of databases in one process, so they keep idle connections briefly.
    public struct PoolSettings: Sendable {
        public var maximumConnections: Int
        public var idleTimeout: Duration

        public init(maximumConnections: Int = 10, idleTimeout: Duration = .seconds(60)) {
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
        }

        public static let server = PoolSettings()
    }

    /// Opens the database. For SQLite the folder is created, WAL and synchronous=FULL set.
    public static func open(_ url: DatabaseURL, logger: Logger, pool: PoolSettings = .server) async throws -> Database {
        switch url {
        case let .sqlite(path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let sql = connection.sql()
            for pragma in SQLitePragmas.connection {
                try await sql.raw(SQLQueryString(pragma)).run()
            }
            let readers = SQLiteReaderPool(path: path, capacity: SQLiteReaderPool.defaultCapacity)
            return Database(url: url, backend: .sqlite(connection, AsyncSerialLock(), path: path, readers: readers), logger: logger)
        case let .postgres(host, port, user, password, database):
            var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
            configuration.options.maximumConnections = pool.maximumConnections
            configuration.options.connectionIdleTimeout = pool.idleTimeout
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let runner = Task { await client.run() }
            let db = Database(url: url, backend: .postgres(client, runner), logger: logger)
            // Give the pool a moment to start running before the first lease.
            try await Task.sleep(for: .milliseconds(20))
            try await db.read { try await $0.raw("SELECT 1").run() }
            return db
        }
    }

    /// Runs `body` to read. On SQLite it runs on a read-only connection in one read
    /// transaction, so that everything it reads is one snapshot, and in parallel with
    /// other readers and the writer; a write inside it fails.
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case let .sqlite(_, _, _, readers):
            let connection = try await readers.lease()
            do {
                try connection.execute("BEGIN")
                let result = try await body(SQLiteReadDatabase(connection: connection, logger: logger))
                try connection.execute("COMMIT")
                await readers.giveBack(connection)
                return result
            } catch {
                try? connection.execute("ROLLBACK")
                await readers.giveBack(connection)
                throw error
            }
        case let .postgres(client, _):
            return try await client.withConnection { connection in
                try await body(connection.sql())
            }
        }
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case let .sqlite(connection, lock, _, _):
            return try await lock.withLock {
                let sql = connection.sql()
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    let result = try await body(sql)
                    try await sql.raw("COMMIT").run()
                    return result
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        case let .postgres(client, _):
            return try await client.withConnection { connection in
                let sql = connection.sql()
                try await sql.raw("BEGIN").run()
                do {
                    let result = try await body(sql)
                    try await sql.raw("COMMIT").run()
                    return result
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
    }

    /// The one place a set-based hot path chooses how it reaches the database: on SQLite
    /// its own C-API connection to the file (`sqlite` gets the path), on PostgreSQL the
    /// pool through PostgresNIO directly (`postgres` gets the client and the logger).
    package func bulk<T>(sqlite: (String) throws -> T, postgres: (PostgresClient, Logger) throws -> T) rethrows -> T {
        switch backend {
        case let .sqlite(_, _, path, _): try sqlite(path)
        case let .postgres(client, _): try postgres(client, logger)
        }
    }

    /// Copies SQLite's write-ahead log into the database file and empties it, as the
    /// background checkpointer would in time; after a bulk load, so that reads do not
    /// look pages up in a log of millions of frames. Nothing on PostgreSQL.
    public func checkpoint() async throws {
        guard case let .sqlite(connection, lock, _, _) = backend else { return }
        try await lock.withLock { try await connection.sql().raw("PRAGMA wal_checkpoint(TRUNCATE)").run() }
    }

    public func close() async {
        switch backend {
        case let .sqlite(connection, lock, _, readers):
            await readers.close()
            await lock.acquire()
            try? await connection.close()
            await lock.release()
        case let .postgres(_, runner):
            runner.cancel()
            _ = await runner.value
        }
    }
}

/// Settings every SQLite connection of Pipstack uses. synchronous=FULL because the
/// database holds money: a commit is on disk when it returns.
package enum SQLitePragmas {
    package static let connection = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA busy_timeout = 10000",
        "PRAGMA foreign_keys = ON",
        // The bulk writers checkpoint in the background (SQLiteCheckpointer) from 16,384
        // frames; a connection without one checkpoints inline only far beyond that.
        "PRAGMA wal_autocheckpoint = 65536",
    ]

    /// Readers never write, and keep more of the file in memory: pages read the same
    /// indexes over and over.
    package static let reader = [
        "PRAGMA busy_timeout = 10000",
        "PRAGMA query_only = ON",
        "PRAGMA cache_size = -32768",
        "PRAGMA mmap_size = 1073741824",
        "PRAGMA temp_store = MEMORY",
    ]

    /// The bulk writers touch index pages all over the file: a large page cache and
    /// memory-mapped reads keep them out of read() calls.
    package static let bulkWriter = [
        "PRAGMA cache_size = -131072",
        "PRAGMA mmap_size = 1073741824",
        "PRAGMA temp_store = MEMORY",
    ]
}
