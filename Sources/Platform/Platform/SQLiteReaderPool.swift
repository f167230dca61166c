import Foundation
import Logging
import SQLiteNIO
import SQLKit

/// Read-only connections to the SQLite file, so that pages read in parallel with each
/// other and with the one writer: WAL gives each reader a consistent snapshot while a
/// write commits. Connections open on demand, up to `capacity`, and are reused; a
/// reader that tries to write fails (`query_only`), so a write can only happen on the
/// writer, under its lock.
package actor SQLiteReaderPool {
    private let path: String
    private let capacity: Int
    private let logger: Logger
    private var idle: [SQLiteConnection] = []
    private var opened = 0
    private var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
    private var closed = false

    init(path: String, capacity: Int, logger: Logger) {
        self.path = path
        self.capacity = max(1, capacity)
        self.logger = logger
    }

    /// The number of readers for this machine: one per core, at least two.
    static var defaultCapacity: Int { max(2, ProcessInfo.processInfo.activeProcessorCount) }

    func lease() async throws -> SQLiteConnection {
        if closed { throw StorageError.misconfigured("the database is closed") }
        if let connection = idle.popLast() { return connection }
        if opened < capacity {
            opened += 1
            do {
                return try await open()
            } catch {
                opened -= 1
                throw error
            }
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    func giveBack(_ connection: SQLiteConnection) async {
        if closed {
            try? await connection.close()
            return
        }
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    func close() async {
        closed = true
        for waiter in waiters { waiter.resume(throwing: StorageError.misconfigured("the database is closed")) }
        waiters.removeAll()
        for connection in idle { try? await connection.close() }
        idle.removeAll()
    }

    private func open() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let sql = connection.sql()
        do {
            for pragma in SQLitePragmas.reader {
                try await sql.raw(SQLQueryString(pragma)).run()
            }
        } catch {
            // A connection must be closed before it goes away, even one that never served.
            try? await connection.close()
            throw error
        }
        return connection
    }
}
