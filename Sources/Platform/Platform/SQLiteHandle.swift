import BrokerCore
import Foundation
import VaporCSQLite

/// A raw SQLite C-API connection with persistent prepared statements, for the
/// set-based hot paths (ledger batches) that SQLKit's per-statement overhead would
/// slow down 200-fold. Not thread-safe: its owner confines it to one queue.
package final class SQLiteHandle {
    private(set) var raw: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    package init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite_nio_sqlite3_open_v2(path, &raw, flags, nil)
        guard code == SQLITE_OK else {
            let message = raw.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite_nio_sqlite3_close(raw)
            throw StorageError.sqlite(code: code, message: message)
        }
        for pragma in SQLitePragmas.connection + SQLitePragmas.bulkWriter { try execute(pragma) }
    }

    deinit {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        sqlite_nio_sqlite3_close(raw)
    }

    package func execute(_ sql: String) throws {
        let code = sqlite_nio_sqlite3_exec(raw, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// Runs `body` in one write transaction (taking the write lock at once):
    /// committed if it returns, rolled back if it throws.
    package func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// A prepared statement, cached for the life of the connection.
    package func statement(_ sql: String) throws -> Statement {
        if let cached = statements[sql] {
            sqlite_nio_sqlite3_reset(cached)
            sqlite_nio_sqlite3_clear_bindings(cached)
            return Statement(raw: cached, handle: self)
        }
        var prepared: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(raw, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw error(code) }
        statements[sql] = prepared
        return Statement(raw: prepared, handle: self)
    }

    package var changes: Int32 { sqlite_nio_sqlite3_changes(raw) }
    package var lastInsertRowID: Int64 { sqlite_nio_sqlite3_last_insert_rowid(raw) }

    package func error(_ code: Int32) -> StorageError {
        .sqlite(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(raw)))
    }

    /// Binding and stepping one prepared statement.
    /// The small calls are `@inlinable`: the readers and writers that make them per
    /// value live in other modules.
    package struct Statement {
        @usableFromInline let raw: OpaquePointer
        @usableFromInline unowned let handle: SQLiteHandle

        /// SQLITE_TRANSIENT: SQLite copies the text, so Swift strings need not outlive the call.
        @usableFromInline static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

        @inlinable package func bind(_ index: Int32, _ value: Int64) { sqlite_nio_sqlite3_bind_int64(raw, index, value) }
        @inlinable package func bind(_ index: Int32, _ value: String) {
            // Native strings are contiguous UTF-8: bind their bytes without building a C string.
            let bound = value.utf8.withContiguousStorageIfAvailable { bytes in
                UnsafeRawPointer(bytes.baseAddress).map {
                    sqlite_nio_sqlite3_bind_text(raw, index, $0.assumingMemoryBound(to: CChar.self), Int32(bytes.count), Statement.transient)
                }
            }
            if bound == nil || bound == .some(nil) {
                sqlite_nio_sqlite3_bind_text(raw, index, value, -1, Statement.transient)
            }
        }

        @inlinable package func bind<Tag>(_ index: Int32, _ id: Identifier<Tag>) { bind(index, id.rawValue) }

        package func bind(_ index: Int32, _ value: [UInt8]) {
            value.withUnsafeBytes { bytes in
                // A zero-length blob still needs a non-null pointer to be a blob, not NULL.
                sqlite_nio_sqlite3_bind_blob(raw, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Statement.transient)
            }
        }

        package func blob(_ column: Int32) -> [UInt8] {
            let count = Int(sqlite_nio_sqlite3_column_bytes(raw, column))
            guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(raw, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: bytes, count: count))
        }

        /// Steps once; true when a row is ready.
        @inlinable @discardableResult
        package func step() throws -> Bool {
            let code = sqlite_nio_sqlite3_step(raw)
            switch code {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw handle.error(code)
            }
        }

        @inlinable package func int64(_ column: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(raw, column) }
        @inlinable package func text(_ column: Int32) -> String {
            sqlite_nio_sqlite3_column_text(raw, column).map { String(cString: $0) } ?? ""
        }

        /// Whether the text column holds exactly `value`, compared without building a String.
        @inlinable package func textEquals(_ column: Int32, _ value: String) -> Bool {
            guard let text = sqlite_nio_sqlite3_column_text(raw, column) else { return value.isEmpty }
            let count = Int(sqlite_nio_sqlite3_column_bytes(raw, column))
            var copy = value
            return copy.withUTF8 { bytes in
                guard bytes.count == count else { return false }
                guard count > 0, let base = bytes.baseAddress else { return true }
                return memcmp(base, text, count) == 0
            }
        }

        @inlinable package func reset() {
            sqlite_nio_sqlite3_reset(raw)
        }
    }
}
