import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO
import SQLKit
import VaporCSQLite

/// A read-only SQLite connection driven through the C API on the task's own thread.
/// Pages run a dozen short queries each; through SQLiteNIO every statement (and the
/// BEGIN and COMMIT around them) was a round trip to a thread pool and back, two
/// context switches each, which cost more than the queries under load. The data is in
/// memory (mmap), so a query is CPU work like any other. Not thread-safe: the reader
/// pool lends it to one task at a time.
package final class SQLiteReadConnection: @unchecked Sendable {
    private var raw: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Statements with generated IN lists vary; only this many stay prepared.
    private static let cachedStatements = 256

    package init(path: String) throws {
        let code = sqlite_nio_sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK else {
            let message = raw.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite_nio_sqlite3_close(raw)
            throw StorageError.sqlite(code: code, message: message)
        }
        do {
            for pragma in SQLitePragmas.reader { try execute(pragma) }
        } catch {
            sqlite_nio_sqlite3_close(raw)
            throw error
        }
    }

    deinit { close() }

    package func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements.removeAll()
        sqlite_nio_sqlite3_close(raw)
        raw = nil
    }

    package func execute(_ sql: String) throws {
        let code = sqlite_nio_sqlite3_exec(raw, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// Runs one statement with its binds and hands each row to `onRow`.
    package func query(_ sql: String, _ binds: [SQLiteData], decoder: SQLiteDataDecoder, _ onRow: (any SQLRow) -> Void) throws {
        let (statement, cached) = try prepare(sql)
        defer {
            if cached {
                sqlite_nio_sqlite3_reset(statement)
                sqlite_nio_sqlite3_clear_bindings(statement)
            } else {
                sqlite_nio_sqlite3_finalize(statement)
            }
        }
        for (offset, value) in binds.enumerated() { try bind(statement, Int32(offset + 1), value) }
        let count = sqlite_nio_sqlite3_column_count(statement)
        var columns: [String] = []
        columns.reserveCapacity(Int(count))
        for index in 0..<count { columns.append(String(cString: sqlite_nio_sqlite3_column_name(statement, index))) }
        let names = SQLiteReadRow.Columns(names: columns)
        while true {
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            var values: [SQLiteData] = []
            values.reserveCapacity(Int(count))
            for index in 0..<count { values.append(value(statement, index)) }
            onRow(SQLiteReadRow(columns: names, values: values, decoder: decoder))
        }
    }

    private func prepare(_ sql: String) throws -> (OpaquePointer, cached: Bool) {
        if let statement = statements[sql] { return (statement, true) }
        var prepared: OpaquePointer?
        let cache = statements.count < Self.cachedStatements
        let code = sqlite_nio_sqlite3_prepare_v3(raw, sql, -1, cache ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw error(code) }
        if cache { statements[sql] = prepared }
        return (prepared, cache)
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private func bind(_ statement: OpaquePointer, _ index: Int32, _ value: SQLiteData) throws {
        let code: Int32
        switch value {
        case let .integer(number): code = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case let .float(number): code = sqlite_nio_sqlite3_bind_double(statement, index, number)
        case let .text(text): code = sqlite_nio_sqlite3_bind_text(statement, index, text, -1, Self.transient)
        case let .blob(buffer):
            code = buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob(statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Self.transient)
            }
        case .null: code = sqlite_nio_sqlite3_bind_null(statement, index)
        }
        guard code == SQLITE_OK else { throw error(code) }
    }

    private func value(_ statement: OpaquePointer, _ index: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, index) else { return .blob(ByteBuffer()) }
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    private func error(_ code: Int32) -> StorageError {
        .sqlite(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(raw)))
    }
}

/// A row read by `SQLiteReadConnection`, decoded as SQLiteKit decodes its rows.
struct SQLiteReadRow: SQLRow {
    /// A statement's column names, shared by its rows.
    final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]
        init(names: [String]) {
            self.names = names
            index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index[column] else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.index[column] else { throw StorageError.database("no column \(column) in the result") }
        return try decoder.decode(D.self, from: values[index])
    }
}

/// SQLKit over a `SQLiteReadConnection`: the statements of one `Database.read`.
struct SQLiteReadDatabase: SQLDatabase {
    let connection: SQLiteReadConnection
    let logger: Logger
    let encoder = SQLiteDataEncoder()
    let decoder = SQLiteDataDecoder()

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try run(query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        if logger.logLevel <= .debug {
            logger.debug("Executing query", metadata: ["sql": .string(sql), "binds": .array(binds.map { .string("\($0)") })])
        }
        try connection.query(sql, try binds.map { try encoder.encode($0) }, decoder: decoder, onRow)
    }
}
