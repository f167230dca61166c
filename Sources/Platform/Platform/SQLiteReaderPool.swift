import Foundation
import Logging

/// Read-only connections to the SQLite file, so that pages read in parallel with each
/// other and with the one writer: WAL gives each reader a consistent snapshot while a
/// write commits. Connections open on demand, up to `capacity`, and are reused; a
/// reader that tries to write fails (`query_only`), so a write can only happen on the
/// writer, under its lock.
package actor SQLiteReaderPool {
    private let path: String
    private let capacity: Int
    private var idle: [SQLiteReadConnection] = []
    private var opened = 0
    private var waiters: [CheckedContinuation<SQLiteReadConnection, any Error>] = []
    private var closed = false

    init(path: String, capacity: Int) {
        self.path = path
        self.capacity = max(1, capacity)
    }

    /// Readers for this machine: two per core, so that a reader waiting on the disk
    /// does not leave a core idle.
    static var defaultCapacity: Int { max(4, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    func lease() async throws -> SQLiteReadConnection {
        if closed { throw StorageError.misconfigured("the database is closed") }
        if let connection = idle.popLast() { return connection }
        if opened < capacity {
            let connection = try SQLiteReadConnection(path: path)
            opened += 1
            return connection
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    func giveBack(_ connection: SQLiteReadConnection) {
        if closed {
            connection.close()
        } else if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    func close() {
        closed = true
        for waiter in waiters { waiter.resume(throwing: StorageError.misconfigured("the database is closed")) }
        waiters.removeAll()
        for connection in idle { connection.close() }
        idle.removeAll()
    }
}
