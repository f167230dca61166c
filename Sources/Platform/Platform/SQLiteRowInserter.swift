import BrokerCore
/// Buffers rows and writes them through a multi-row prepared INSERT, which costs
/// SQLite one statement execution per `rowsPerStatement` rows. Values are added
/// column by column (`int`, `text`, `blob`) and each row closed with `endRow`;
/// integers sit in their own buffer so the hot integer path copies no references.
/// The per-value calls are `@inlinable`: the bulk writers that call them live in other
/// modules (Ledger, Trading, Commissions), and a call per bound value costs them
/// measurably (the ledger's writer lost 11% when they were not).
package final class RowInserter {
    package enum Kind { case int, text, blob }

    private let handle: SQLiteHandle
    @usableFromInline let rowsPerStatement: Int
    private let columns: [Kind]
    private let sqlPrefix: String
    private let sqlSuffix: String
    private let fullSQL: String
    // Unchecked exclusivity: the buffers are visible to the writers' inlined code in
    // other modules, so the compiler cannot prove accesses never overlap and would
    // check each one at run time (a thread-local lookup per bound value). One writer
    // owns an inserter on one queue, and no access to them overlaps another.
    @exclusivity(unchecked) @usableFromInline var ints: [Int64] = []
    @exclusivity(unchecked) @usableFromInline var texts: [String] = []
    @exclusivity(unchecked) @usableFromInline var blobs: [[UInt8]] = []
    @exclusivity(unchecked) @usableFromInline var rows = 0

    /// `columns` lists the kind of each of the row's columns, in order.
    package init(handle: SQLiteHandle, rowsPerStatement: Int, columns: [Kind], sqlPrefix: String, sqlSuffix: String = "") {
        self.handle = handle
        self.rowsPerStatement = rowsPerStatement
        self.columns = columns
        self.sqlPrefix = sqlPrefix
        self.sqlSuffix = sqlSuffix
        fullSQL = Self.sql(prefix: sqlPrefix, suffix: sqlSuffix, columns: columns.count, rows: rowsPerStatement)
        ints.reserveCapacity(rowsPerStatement * columns.count)
    }

    /// `textColumns` is true where the column is text, false where it is an integer.
    package convenience init(handle: SQLiteHandle, rowsPerStatement: Int, textColumns: [Bool], sqlPrefix: String, sqlSuffix: String = "") {
        self.init(handle: handle, rowsPerStatement: rowsPerStatement, columns: textColumns.map { $0 ? .text : .int },
                  sqlPrefix: sqlPrefix, sqlSuffix: sqlSuffix)
    }

    package convenience init(handle: SQLiteHandle, rowsPerStatement: Int, intColumns: Int, sqlPrefix: String, sqlSuffix: String = "") {
        self.init(handle: handle, rowsPerStatement: rowsPerStatement, textColumns: Array(repeating: false, count: intColumns),
                  sqlPrefix: sqlPrefix, sqlSuffix: sqlSuffix)
    }

    @inlinable package func int(_ value: Int64) { ints.append(value) }
    @inlinable package func text(_ value: String) { texts.append(value) }
    @inlinable package func text<Tag>(_ id: Identifier<Tag>) { texts.append(id.rawValue) }
    @inlinable package func blob(_ value: [UInt8]) { blobs.append(value) }

    /// Closes a row; writes the statement when it is full unless the caller flushes
    /// chunks itself.
    @inlinable package var isFull: Bool { rows == rowsPerStatement }

    @inlinable package func endRow(autoFlush: Bool = true) throws {
        rows += 1
        if autoFlush && rows == rowsPerStatement { try flush() }
    }

    /// Writes what is pending; returns how many rows the statement changed.
    @discardableResult
    package func flush() throws -> Int {
        guard rows > 0 else { return 0 }
        let statement = try handle.statement(rows == rowsPerStatement ? fullSQL
            : Self.sql(prefix: sqlPrefix, suffix: sqlSuffix, columns: columns.count, rows: rows))
        var parameter: Int32 = 1
        var nextInt = 0
        var nextText = 0
        var nextBlob = 0
        for _ in 0..<rows {
            for kind in columns {
                switch kind {
                case .int:
                    statement.bind(parameter, ints[nextInt])
                    nextInt += 1
                case .text:
                    statement.bind(parameter, texts[nextText])
                    nextText += 1
                case .blob:
                    statement.bind(parameter, blobs[nextBlob])
                    nextBlob += 1
                }
                parameter += 1
            }
        }
        try statement.step()
        ints.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
        blobs.removeAll(keepingCapacity: true)
        rows = 0
        return Int(handle.changes)
    }

    private static func sql(prefix: String, suffix: String, columns: Int, rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return prefix + " " + Array(repeating: row, count: rows).joined(separator: ", ") + suffix
    }
}
