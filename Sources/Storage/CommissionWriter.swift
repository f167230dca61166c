import BrokerCore
import Dispatch
import Money
import SQLKit

/// One commission line as stored.
public struct CommissionLineRow: Sendable, Equatable {
    public var server: String
    public var ticket: Int64
    public var rule: String
    public var partner: String
    public var level: Int64
    /// Accrual units (10^-8) of the batch currency.
    public var amount: Int64
    public var login: Int64
    public var symbol: String
    public var time: Int64
    public var seq: Int64

    public init(server: String, ticket: Int64, rule: String, partner: String, level: Int64, amount: Int64, login: Int64, symbol: String,
                time: Int64, seq: Int64) {
        self.server = server
        self.ticket = ticket
        self.rule = rule
        self.partner = partner
        self.level = level
        self.amount = amount
        self.login = login
        self.symbol = symbol
        self.time = time
        self.seq = seq
    }
}

/// What a batch owes one partner, in minor units, after rounding down with the carried residue.
public struct CommissionPayable: Sendable, Equatable, Codable {
    public let partner: String
    public let minor: Int64

    public init(partner: String, minor: Int64) {
        self.partner = partner
        self.minor = minor
    }
}

/// A feed batch's commission lines and what goes with them in one transaction.
public struct CommissionBatch: Sendable {
    public var consumer: String
    public var lastSeq: Int64
    public var lines: [CommissionLineRow]
    public var currency: Currency
    /// The outbox key of the batch's ledger posting.
    public var postingKey: String
    public var now: Int64

    public init(consumer: String, lastSeq: Int64, lines: [CommissionLineRow], currency: Currency, postingKey: String, now: Int64) {
        self.consumer = consumer
        self.lastSeq = lastSeq
        self.lines = lines
        self.currency = currency
        self.postingKey = postingKey
        self.now = now
    }
}

/// Writes a commission batch in one transaction: the lines, each partner's rounding
/// residue, the consumer's feed cursor and the ledger-posting outbox row. A batch
/// whose deals the cursor has already passed writes nothing and returns nil, so a
/// replay changes nothing.
public protocol CommissionWriter: Sendable {
    func write(_ batch: CommissionBatch) async throws -> [CommissionPayable]?
}

public enum CommissionWriters {
    /// The SQLite C-API writer on SQLite, set-based SQL through SQLKit on PostgreSQL.
    public static func make(_ db: Database) throws -> any CommissionWriter {
        if let path = db.sqlitePath { return try SQLiteCommissionWriter(path: path) }
        return SQLKitCommissionWriter(db: db)
    }

    /// Adds `accrued` to each partner's residue and takes whole minor units, rounding down.
    static func payables(accrued: [String: Int64], residues: [String: Int64], unitsPerMinor: Int64) -> (payables: [CommissionPayable], residues: [String: Int64]) {
        var payables: [CommissionPayable] = []
        var left: [String: Int64] = [:]
        for partner in accrued.keys.sorted() {
            let total = (accrued[partner] ?? 0) + (residues[partner] ?? 0)
            let minor = Rounding.divide(total, by: unitsPerMinor, rule: .down).quotient
            left[partner] = total - minor * unitsPerMinor
            if minor != 0 { payables.append(CommissionPayable(partner: partner, minor: minor)) }
        }
        return (payables, left)
    }

    static func document(_ payables: [CommissionPayable]) -> String {
        var json = "["
        for (index, payable) in payables.enumerated() {
            if index > 0 { json += "," }
            json += "{\"minor\":\(payable.minor),\"partner\":\(JSONString.quote(payable.partner))}"
        }
        return json + "]"
    }
}

enum JSONString {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// The SQLite hot path: its own C-API connection on one serial queue, lines through
/// reused multi-row prepared INSERTs.
final class SQLiteCommissionWriter: CommissionWriter, @unchecked Sendable {
    // `handle` is touched only on `queue`.
    private let handle: SQLiteHandle
    private let queue = DispatchQueue(label: "pipstack.commissions.sqlite-writer")

    init(path: String) throws {
        handle = try SQLiteHandle(path: path)
    }

    func write(_ batch: CommissionBatch) async throws -> [CommissionPayable]? {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.writeOnQueue(batch) }) }
        }
    }

    static let columns: [Bool] = [true, false, true, true, false, false, true, false, true, false, false]

    private func writeOnQueue(_ batch: CommissionBatch) throws -> [CommissionPayable]? {
        try handle.execute("BEGIN IMMEDIATE")
        do {
            let cursor = try handle.statement("SELECT seq FROM deal_feed_consumers WHERE consumer = ?1")
            cursor.bind(1, batch.consumer)
            let position = try cursor.step() ? cursor.int64(0) : 0
            cursor.reset()
            guard position < batch.lastSeq else {
                try handle.execute("ROLLBACK")
                return nil
            }
            let rows = RowInserter(handle: handle, rowsPerStatement: 64, textColumns: Self.columns, sqlPrefix: """
                INSERT INTO commission_lines (server_id, ticket, rule_id, partner_id, level, amount, currency, login, symbol, deal_time, feed_seq) VALUES
                """, sqlSuffix: " ON CONFLICT DO NOTHING")
            var accrued: [String: Int64] = [:]
            var expected = 0, inserted = 0
            for line in batch.lines where line.seq > position {
                rows.text(line.server); rows.int(line.ticket); rows.text(line.rule); rows.text(line.partner); rows.int(line.level)
                rows.int(line.amount); rows.text(batch.currency.code); rows.int(line.login); rows.text(line.symbol); rows.int(line.time); rows.int(line.seq)
                try rows.endRow(autoFlush: false)
                if rows.isFull { inserted += try rows.flush() }
                accrued[line.partner, default: 0] += line.amount
                expected += 1
            }
            inserted += try rows.flush()
            // Deals past the cursor cannot have lines yet; if some do, the books are wrong: stop.
            guard inserted == expected else { throw StorageError.conflict("\(expected - inserted) commission lines of feed batch \(batch.postingKey) existed already") }
            let readResidue = try handle.statement("SELECT residue FROM commission_residues WHERE partner_id = ?1 AND currency = ?2")
            var residues: [String: Int64] = [:]
            for partner in accrued.keys {
                readResidue.bind(1, partner)
                readResidue.bind(2, batch.currency.code)
                if try readResidue.step() { residues[partner] = readResidue.int64(0) }
                readResidue.reset()
            }
            let (payables, left) = CommissionWriters.payables(accrued: accrued, residues: residues,
                                                              unitsPerMinor: Power10.of(Accrual.scale - batch.currency.exponent))
            let writeResidue = try handle.statement("""
                INSERT INTO commission_residues (partner_id, currency, residue) VALUES (?1, ?2, ?3)
                ON CONFLICT (partner_id, currency) DO UPDATE SET residue = excluded.residue
                """)
            for (partner, residue) in left {
                writeResidue.bind(1, partner)
                writeResidue.bind(2, batch.currency.code)
                writeResidue.bind(3, residue)
                try writeResidue.step()
                writeResidue.reset()
            }
            let advance = try handle.statement("""
                INSERT INTO deal_feed_consumers (consumer, seq, updated_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (consumer) DO UPDATE SET seq = MAX(deal_feed_consumers.seq, excluded.seq), updated_at = excluded.updated_at
                """)
            advance.bind(1, batch.consumer)
            advance.bind(2, batch.lastSeq)
            advance.bind(3, batch.now)
            try advance.step()
            if !payables.isEmpty {
                let outbox = try handle.statement("""
                    INSERT INTO commission_postings (batch_key, document, status, created_at, posted_at) VALUES (?1, ?2, 'pending', ?3, 0)
                    ON CONFLICT DO NOTHING
                    """)
                outbox.bind(1, batch.postingKey)
                outbox.bind(2, CommissionWriters.document(payables))
                outbox.bind(3, batch.now)
                try outbox.step()
            }
            try handle.execute("COMMIT")
            return payables
        } catch {
            try? handle.execute("ROLLBACK")
            throw error
        }
    }
}

/// The portable path: multi-row SQL through SQLKit, one transaction per batch.
struct SQLKitCommissionWriter: CommissionWriter {
    let db: Database

    func write(_ batch: CommissionBatch) async throws -> [CommissionPayable]? {
        try await db.transaction { sql in
            let position = try await sql.raw("SELECT seq FROM deal_feed_consumers WHERE consumer = \(bind: batch.consumer)").first()?
                .decode(column: "seq", as: Int64.self) ?? 0
            guard position < batch.lastSeq else { return nil }
            let lines = batch.lines.filter { $0.seq > position }
            var accrued: [String: Int64] = [:]
            var inserted = 0
            for start in stride(from: 0, to: lines.count, by: 1_000) {
                var query = SQLQueryString("""
                    INSERT INTO commission_lines (server_id, ticket, rule_id, partner_id, level, amount, currency, login, symbol, deal_time, feed_seq) VALUES
                    """)
                for (index, line) in lines[start..<min(lines.count, start + 1_000)].enumerated() {
                    query.appendInterpolation(unsafeRaw: index == 0 ? " (" : ", (")
                    query.appendInterpolation(bind: line.server); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.ticket); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.rule); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.partner); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.level); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.amount); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: batch.currency.code); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.login); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.symbol); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.time); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: line.seq); query.appendInterpolation(unsafeRaw: ")")
                    accrued[line.partner, default: 0] += line.amount
                }
                query.appendInterpolation(unsafeRaw: " ON CONFLICT DO NOTHING RETURNING feed_seq")
                inserted += try await sql.raw(query).all().count
            }
            guard inserted == lines.count else {
                throw StorageError.conflict("\(lines.count - inserted) commission lines of feed batch \(batch.postingKey) existed already")
            }
            var residues: [String: Int64] = [:]
            let partners = Array(accrued.keys)
            for start in stride(from: 0, to: partners.count, by: 500) {
                var query = SQLQueryString("SELECT partner_id, residue FROM commission_residues WHERE currency = ")
                query.appendInterpolation(bind: batch.currency.code)
                query.appendInterpolation(unsafeRaw: " AND partner_id IN (")
                for (index, partner) in partners[start..<min(partners.count, start + 500)].enumerated() {
                    if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                    query.appendInterpolation(bind: partner)
                }
                query.appendInterpolation(unsafeRaw: ")")
                for row in try await sql.raw(query).all() {
                    residues[try row.decode(column: "partner_id", as: String.self)] = try row.decode(column: "residue", as: Int64.self)
                }
            }
            let (payables, left) = CommissionWriters.payables(accrued: accrued, residues: residues,
                                                              unitsPerMinor: Power10.of(Accrual.scale - batch.currency.exponent))
            let entries = left.sorted { $0.key < $1.key }
            for start in stride(from: 0, to: entries.count, by: 1_000) {
                var query = SQLQueryString("INSERT INTO commission_residues (partner_id, currency, residue) VALUES")
                for (index, entry) in entries[start..<min(entries.count, start + 1_000)].enumerated() {
                    query.appendInterpolation(unsafeRaw: index == 0 ? " (" : ", (")
                    query.appendInterpolation(bind: entry.key); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: batch.currency.code); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: entry.value); query.appendInterpolation(unsafeRaw: ")")
                }
                query.appendInterpolation(unsafeRaw: " ON CONFLICT (partner_id, currency) DO UPDATE SET residue = excluded.residue")
                try await sql.raw(query).run()
            }
            try await DealFeedCursor.advance(batch.consumer, to: batch.lastSeq, at: batch.now, on: sql)
            if !payables.isEmpty {
                try await sql.raw("""
                    INSERT INTO commission_postings (batch_key, document, status, created_at, posted_at)
                    VALUES (\(bind: batch.postingKey), \(bind: CommissionWriters.document(payables)), 'pending', \(bind: batch.now), 0) ON CONFLICT DO NOTHING
                    """).run()
            }
            return payables
        }
    }
}
