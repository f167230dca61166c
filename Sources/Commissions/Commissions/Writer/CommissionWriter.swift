import BrokerCore
import Dispatch
import Money
import Logging
import NIOCore
import PostgresNIO
import Platform
import Trading

/// One commission line as the hot path stores it: integers only.
public struct CommissionLineRow: Sendable, Equatable {
    /// The deal's feed position.
    public var seq: Int64
    /// `commission_names` numbers of the beneficiary and the rule.
    public var partner: Int64
    public var rule: Int64
    public var level: Int64
    /// Accrual units (10^-8) of the batch currency.
    public var amount: Int64
    /// Start of the deal's UTC day (microseconds), for the daily totals.
    public var day: Int64
    /// For a reversing line, the feed position of the deal version whose line it negates; else 0.
    public var reverses: Int64
    /// The deal's volume (10^-8 lots), negative on a reversing line: the daily totals count lots.
    public var volume: Int64

    public init(seq: Int64, partner: Int64, rule: Int64, level: Int64, amount: Int64, day: Int64, reverses: Int64 = 0, volume: Int64 = 0) {
        self.volume = volume
        self.seq = seq
        self.partner = partner
        self.rule = rule
        self.level = level
        self.amount = amount
        self.day = day
        self.reverses = reverses
    }

    public static let microsPerDay: Int64 = 86_400_000_000

    public static func day(of time: Int64) -> Int64 {
        Rounding.divide(time, by: microsPerDay, rule: .down).quotient * microsPerDay
    }
}

/// A deal version (at feed position `seq`) replacing the one at `replaces`.
public struct CommissionReversal: Sendable, Equatable {
    public let seq: Int64
    public let replaces: Int64
    /// The UTC day the reversing lines count in (the new version's).
    public let day: Int64

    public init(seq: Int64, replaces: Int64, day: Int64) {
        self.seq = seq
        self.replaces = replaces
        self.day = day
    }

    /// `lines` with the reversing lines, in feed order.
    static func merge(_ lines: [CommissionLineRow], _ reversing: [CommissionLineRow]) -> [CommissionLineRow] {
        reversing.isEmpty ? lines : (lines + reversing).sorted { ($0.seq, $0.reverses) < ($1.seq, $1.reverses) }
    }

    /// Which earlier version's lines a new version reverses. Versions the pipeline
    /// never saw (replaced again before it got to them) left no lines, so the walk
    /// goes back through the replaced versions to the newest one that has lines at
    /// all (its own, or reversals it made): that is the one consumed last, and its
    /// own lines (`reverses` 0) are the ones still standing. `linesAt` gives a
    /// version's lines, `previous` the version it replaced (0 for the first) and
    /// `volume` its volume (what the reversing lines take off the daily lots).
    static func reversing(_ reversal: CommissionReversal, currency: String,
                          linesAt: (Int64) throws -> [(partner: Int64, rule: Int64, level: Int64, reverses: Int64, amount: Int64, currency: String)],
                          previous: (Int64) throws -> Int64, volume: (Int64) throws -> Int64) throws -> [CommissionLineRow] {
        var version = reversal.replaces
        while version > 0 {
            let lines = try linesAt(version)
            if !lines.isEmpty {
                let lots = try volume(version)
                return try lines.filter { $0.reverses == 0 }.map { line in
                    guard line.currency == currency else {
                        throw StorageError.brokenInvariant("lines of feed position \(version) are in \(line.currency), not \(currency)")
                    }
                    return CommissionLineRow(seq: reversal.seq, partner: line.partner, rule: line.rule, level: line.level, amount: -line.amount,
                                             day: reversal.day, reverses: version, volume: -lots)
                }
            }
            let earlier = try previous(version)
            guard earlier < version else { break }
            version = earlier
        }
        return []
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
    /// The partner id behind each partner number the lines name.
    public var partnerIDs: [Int64: String]
    /// Deals of the batch that replace a version already consumed: the lines stored
    /// for that version are negated in the same transaction.
    public var reversals: [CommissionReversal] = []
    /// The brand of each deal's trading account (by feed position); deals not named count under no brand.
    public var brands: [Int64: String] = [:]

    public init(consumer: String, lastSeq: Int64, lines: [CommissionLineRow], currency: Currency, postingKey: String, now: Int64,
                partnerIDs: [Int64: String]) {
        self.partnerIDs = partnerIDs
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
    /// The SQLite C-API writer on SQLite, `unnest` statements through PostgresNIO on PostgreSQL.
    public static func make(_ db: Database) throws -> any CommissionWriter {
        try db.bulk(sqlite: { try SQLiteCommissionWriter(path: $0) }, postgres: { PostgresCommissionWriter(client: $0, logger: $1) })
    }

    /// Adds `accrued` to each partner's residue and takes whole minor units, rounding down.
    public static func payables(accrued: [String: Int64], residues: [String: Int64], unitsPerMinor: Int64) -> (payables: [CommissionPayable], residues: [String: Int64]) {
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

    /// The outbox document of a posting: what each partner is owed, in minor units.
    public static func document(_ payables: [CommissionPayable]) -> String {
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

/// What a batch adds up to: each partner's part, the per-day totals and the range
/// the batch's directory row records.
struct CommissionBatchTotals {
    struct DayKey: Hashable {
        let day: Int64, partner: Int64, level: Int64, rule: Int64
    }

    struct PartnerPart {
        var amount: Int64 = 0
        var lines: Int64 = 0
        /// Feed positions of the partner's lines, increasing, each once.
        var seqs: [Int64] = []
    }

    var partners: [Int64: PartnerPart] = [:]
    var daily: [DayKey: (amount: Int64, lines: Int64, lots: Int64)] = [:]
    /// Per day and brand: amounts, and lots counted once per deal version (its first level-1 line).
    var brandDaily: [BrandDayKey: (amount: Int64, lots: Int64)] = [:]
    private var lastLotLine: (seq: Int64, reverses: Int64) = (0, -1)

    struct BrandDayKey: Hashable {
        let day: Int64, brand: String
    }
    var lines = 0
    var firstSeq = Int64.max
    var firstDay = Int64.max
    var lastDay = Int64.min

    mutating func add(_ line: CommissionLineRow, brand: String) {
        add(line)
        let counted = line.level == 1 && (line.seq, line.reverses) != lastLotLine
        if counted { lastLotLine = (line.seq, line.reverses) }
        brandDaily[BrandDayKey(day: line.day, brand: brand), default: (0, 0)].amount += line.amount
        if counted { brandDaily[BrandDayKey(day: line.day, brand: brand), default: (0, 0)].lots += line.volume }
    }

    mutating func add(_ line: CommissionLineRow) {
        // One hash lookup per table: the writer thread is the bottleneck of ingest.
        Self.add(line, to: &partners[line.partner, default: PartnerPart()])
        Self.add(line, to: &daily[DayKey(day: line.day, partner: line.partner, level: line.level, rule: line.rule), default: (0, 0, 0)])
        lines += 1
        firstSeq = min(firstSeq, line.seq)
        firstDay = min(firstDay, line.day)
        lastDay = max(lastDay, line.day)
    }

    private static func add(_ line: CommissionLineRow, to part: inout PartnerPart) {
        part.amount += line.amount
        part.lines += 1
        if part.seqs.last != line.seq { part.seqs.append(line.seq) }
    }

    private static func add(_ line: CommissionLineRow, to total: inout (amount: Int64, lines: Int64, lots: Int64)) {
        total.amount += line.amount
        total.lines += line.reverses == 0 ? 1 : -1
        total.lots += line.volume
    }

    /// Accruals by partner id, for residues and the ledger.
    func accruedByID(_ ids: [Int64: String]) throws -> [String: Int64] {
        var byID: [String: Int64] = [:]
        for (number, part) in partners {
            guard let id = ids[number] else { throw StorageError.brokenInvariant("commission line names partner number \(number) the batch does not know") }
            byID[id, default: 0] += part.amount
        }
        return byID
    }
}

/// The SQLite hot path: its own C-API connection on one serial queue, lines and
/// daily totals through reused multi-row prepared statements.
final class SQLiteCommissionWriter: CommissionWriter, @unchecked Sendable {
    private let connection: SQLiteConnectionQueue

    init(path: String) throws {
        connection = try SQLiteConnectionQueue(path: path, label: "pipstack.commissions.sqlite-writer", writes: true)
    }

    func write(_ batch: CommissionBatch) async throws -> [CommissionPayable]? {
        try await connection.run { handle in try Self.write(batch, on: handle) }
    }

    /// Nil, with nothing written, when the cursor has passed the batch's deals.
    private static func write(_ batch: CommissionBatch, on handle: SQLiteHandle) throws -> [CommissionPayable]? {
        try handle.writeTransaction {
            let position = try DealFeedCursor.position(of: batch.consumer, on: handle)
            guard position < batch.lastSeq else { return nil }
            let currency = batch.currency.code
            var reversing: [CommissionLineRow] = []
            if !batch.reversals.isEmpty {
                let linesAt = try handle.statement("SELECT partner, rule, level, reverses, amount, currency FROM commission_lines WHERE feed_seq = ?1")
                for reversal in batch.reversals where reversal.seq > position {
                    reversing += try CommissionReversal.reversing(reversal, currency: currency, linesAt: { version in
                        linesAt.bind(1, version)
                        defer { linesAt.reset() }
                        var lines: [(partner: Int64, rule: Int64, level: Int64, reverses: Int64, amount: Int64, currency: String)] = []
                        while try linesAt.step() {
                            lines.append((linesAt.int64(0), linesAt.int64(1), linesAt.int64(2), linesAt.int64(3), linesAt.int64(4), linesAt.text(5)))
                        }
                        return lines
                    }, previous: { version in
                        try DealRevisions.revision(at: version, on: handle)?.replaces ?? 0
                    }, volume: { version in
                        try DealRevisions.revision(at: version, on: handle)?.volume ?? 0
                    })
                }
            }
            let rows = RowInserter(handle: handle, rowsPerStatement: 100, textColumns: [false, false, false, false, false, false, true], sqlPrefix: """
                INSERT INTO commission_lines (feed_seq, partner, rule, level, reverses, amount, currency) VALUES
                """, sqlSuffix: " ON CONFLICT DO NOTHING")
            var totals = CommissionBatchTotals()
            var inserted = 0
            for line in CommissionReversal.merge(batch.lines, reversing) where line.seq > position {
                rows.int(line.seq); rows.int(line.partner); rows.int(line.rule); rows.int(line.level); rows.int(line.reverses); rows.int(line.amount)
                rows.text(currency)
                try rows.endRow(autoFlush: false)
                if rows.isFull { inserted += try rows.flush() }
                totals.add(line, brand: batch.brands[line.seq] ?? "")
            }
            inserted += try rows.flush()
            // Deals past the cursor cannot have lines yet; if some do, the books are wrong: stop.
            guard inserted == totals.lines else {
                throw StorageError.brokenInvariant("\(totals.lines - inserted) commission lines of feed batch \(batch.postingKey) existed already")
            }
            let days = RowInserter(handle: handle, rowsPerStatement: 50, textColumns: [false, false, false, false, true, false, false, false], sqlPrefix: """
                INSERT INTO commission_daily (day, partner, level, rule, currency, amount, lines, lots) VALUES
                """, sqlSuffix: """
                 ON CONFLICT (day, partner, level, rule, currency) DO UPDATE SET amount = commission_daily.amount + excluded.amount,
                    lines = commission_daily.lines + excluded.lines, lots = commission_daily.lots + excluded.lots
                """)
            for (key, total) in totals.daily {
                days.int(key.day); days.int(key.partner); days.int(key.level); days.int(key.rule); days.text(currency)
                days.int(total.amount); days.int(total.lines); days.int(total.lots)
                try days.endRow()
            }
            try days.flush()
            let brandDays = RowInserter(handle: handle, rowsPerStatement: 50, textColumns: [false, true, true, false, false], sqlPrefix: """
                INSERT INTO commission_brand_daily (day, brand_id, currency, amount, lots) VALUES
                """, sqlSuffix: """
                 ON CONFLICT (day, brand_id, currency) DO UPDATE SET amount = commission_brand_daily.amount + excluded.amount,
                    lots = commission_brand_daily.lots + excluded.lots
                """)
            for (key, total) in totals.brandDaily {
                brandDays.int(key.day); brandDays.text(key.brand); brandDays.text(currency); brandDays.int(total.amount); brandDays.int(total.lots)
                try brandDays.endRow()
            }
            try brandDays.flush()
            if totals.lines > 0 {
                let directory = try handle.statement("""
                    INSERT INTO commission_batches (first_seq, last_seq, first_day, last_day, lines) VALUES (?1, ?2, ?3, ?4, ?5)
                    """)
                directory.bind(1, totals.firstSeq); directory.bind(2, batch.lastSeq); directory.bind(3, totals.firstDay)
                directory.bind(4, totals.lastDay); directory.bind(5, Int64(totals.lines))
                try directory.step()
                let parts = RowInserter(handle: handle, rowsPerStatement: 50, columns: [.int, .int, .int, .int, .blob], sqlPrefix: """
                    INSERT INTO commission_partner_batches (first_seq, partner, lines, amount, seqs) VALUES
                    """)
                for (partner, part) in totals.partners {
                    parts.int(totals.firstSeq); parts.int(partner); parts.int(part.lines); parts.int(part.amount); parts.blob(DeltaList.encode(part.seqs))
                    try parts.endRow()
                }
                try parts.flush()
            }
            var partnerIDs = batch.partnerIDs
            let name = try handle.statement("SELECT name FROM commission_names WHERE number = ?1")
            for number in totals.partners.keys where partnerIDs[number] == nil {
                name.bind(1, number)
                if try name.step() { partnerIDs[number] = name.text(0) }
                name.reset()
            }
            let accrued = try totals.accruedByID(partnerIDs)
            let readResidue = try handle.statement("SELECT residue FROM commission_residues WHERE partner_id = ?1 AND currency = ?2")
            var residues: [String: Int64] = [:]
            for partner in accrued.keys {
                readResidue.bind(1, partner)
                readResidue.bind(2, currency)
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
                writeResidue.bind(2, currency)
                writeResidue.bind(3, residue)
                try writeResidue.step()
                writeResidue.reset()
            }
            try DealFeedCursor.advance(batch.consumer, to: batch.lastSeq, at: batch.now, on: handle)
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
            return payables
        }
    }
}

/// The PostgreSQL path: one transaction per batch, every set written by one
/// `unnest` statement (the array is a single bind, so batches have no bind limit).
struct PostgresCommissionWriter: CommissionWriter {
    let client: PostgresClient
    let logger: Logger

    func write(_ batch: CommissionBatch) async throws -> [CommissionPayable]? {
        let logger = logger
        return try await client.withTransaction(logger: logger) { connection -> [CommissionPayable]? in
            let position = try await DealFeedCursor.lockedPosition(of: batch.consumer, on: connection, logger: logger)
            guard position < batch.lastSeq else { return nil }
            var totals = CommissionBatchTotals()
            var reversing: [CommissionLineRow] = []
            for reversal in batch.reversals where reversal.seq > position {
                // Corrections are rare: a query or two each, inside the batch's transaction.
                var found: [Int64: [(partner: Int64, rule: Int64, level: Int64, reverses: Int64, amount: Int64, currency: String)]] = [:]
                var earlier: [Int64: Int64] = [:]
                var volumes: [Int64: Int64] = [:]
                var version = reversal.replaces
                while version > 0, found[version] == nil {
                    let rows = try await connection.query("""
                        SELECT partner, rule, level, reverses, amount, currency FROM commission_lines WHERE feed_seq = \(version)
                        """, logger: logger)
                    var lines: [(partner: Int64, rule: Int64, level: Int64, reverses: Int64, amount: Int64, currency: String)] = []
                    for try await line in rows.decode((Int64, Int64, Int64, Int64, Int64, String).self) { lines.append(line) }
                    found[version] = lines
                    let revision = try await DealRevisions.revision(at: version, on: connection, logger: logger)
                    let replaced = revision?.replaces ?? 0
                    if let revision { volumes[version] = revision.volume }
                    if !lines.isEmpty { break }
                    earlier[version] = replaced
                    version = replaced < version ? replaced : 0
                }
                reversing += try CommissionReversal.reversing(reversal, currency: batch.currency.code,
                                                              linesAt: { found[$0] ?? [] }, previous: { earlier[$0] ?? 0 },
                                                              volume: { volumes[$0] ?? 0 })
            }
            // COPY is the fastest way in; a line that exists already fails the copy
            // (unique key), which the cursor check above makes impossible short of a bug.
            var text = ByteBuffer()
            text.reserveCapacity(batch.lines.count * 40)
            let suffix = "\t\(batch.currency.code)\n"
            for line in CommissionReversal.merge(batch.lines, reversing) where line.seq > position {
                text.writeString("\(line.seq)\t\(line.partner)\t\(line.rule)\t\(line.level)\t\(line.reverses)\t\(line.amount)")
                text.writeString(suffix)
                totals.add(line, brand: batch.brands[line.seq] ?? "")
            }
            let currency = batch.currency.code
            if totals.lines > 0 {
                let copied = text
                try await connection.copyFrom(table: "commission_lines", columns: ["feed_seq", "partner", "rule", "level", "reverses", "amount", "currency"],
                                              logger: logger) { writer in
                    try await writer.write(copied)
                }
            }
            if !totals.daily.isEmpty {
                let keys = Array(totals.daily.keys)
                let dayPartners = keys.map(\.partner), days = keys.map(\.day), dayLevels = keys.map(\.level), dayRules = keys.map(\.rule)
                let dayAmounts = keys.map { totals.daily[$0]?.amount ?? 0 }, dayLines = keys.map { totals.daily[$0]?.lines ?? 0 }
                let dayLots = keys.map { totals.daily[$0]?.lots ?? 0 }
                try await connection.query("""
                    INSERT INTO commission_daily (day, partner, level, rule, currency, amount, lines, lots)
                    SELECT t.d, t.p, t.l, t.r, \(currency), t.a, t.n, t.v FROM unnest(\(days)::bigint[], \(dayPartners)::bigint[], \(dayLevels)::bigint[],
                        \(dayRules)::bigint[], \(dayAmounts)::bigint[], \(dayLines)::bigint[], \(dayLots)::bigint[]) AS t(d, p, l, r, a, n, v)
                    ON CONFLICT (day, partner, level, rule, currency) DO UPDATE SET amount = commission_daily.amount + excluded.amount,
                        lines = commission_daily.lines + excluded.lines, lots = commission_daily.lots + excluded.lots
                    """, logger: logger)
            }
            if !totals.brandDaily.isEmpty {
                let keys = Array(totals.brandDaily.keys)
                let days = keys.map(\.day), brands = keys.map(\.brand)
                let amounts = keys.map { totals.brandDaily[$0]?.amount ?? 0 }, lots = keys.map { totals.brandDaily[$0]?.lots ?? 0 }
                try await connection.query("""
                    INSERT INTO commission_brand_daily (day, brand_id, currency, amount, lots)
                    SELECT t.d, t.b, \(currency), t.a, t.v FROM unnest(\(days)::bigint[], \(brands)::text[], \(amounts)::bigint[], \(lots)::bigint[]) AS t(d, b, a, v)
                    ON CONFLICT (day, brand_id, currency) DO UPDATE SET amount = commission_brand_daily.amount + excluded.amount,
                        lots = commission_brand_daily.lots + excluded.lots
                    """, logger: logger)
            }
            if totals.lines > 0 {
                try await connection.query("""
                    INSERT INTO commission_batches (first_seq, last_seq, first_day, last_day, lines)
                    VALUES (\(totals.firstSeq), \(batch.lastSeq), \(totals.firstDay), \(totals.lastDay), \(Int64(totals.lines)))
                    """, logger: logger)
                let parts = Array(totals.partners)
                let numbers = parts.map(\.key), counts = parts.map(\.value.lines), sums = parts.map(\.value.amount)
                let seqs = parts.map { ByteBuffer(bytes: DeltaList.encode($0.value.seqs)) }
                try await connection.query("""
                    INSERT INTO commission_partner_batches (first_seq, partner, lines, amount, seqs)
                    SELECT \(totals.firstSeq), t.p, t.n, t.a, t.s FROM unnest(\(numbers)::bigint[], \(counts)::bigint[], \(sums)::bigint[], \(seqs)::bytea[])
                        AS t(p, n, a, s)
                    """, logger: logger)
            }
            var partnerIDs = batch.partnerIDs
            let unnamed = totals.partners.keys.filter { partnerIDs[$0] == nil }
            if !unnamed.isEmpty {
                let rows = try await connection.query("SELECT number, name FROM commission_names WHERE number = ANY(\(Array(unnamed))::bigint[])",
                                                      logger: logger)
                for try await (number, name) in rows.decode((Int64, String).self) { partnerIDs[number] = name }
            }
            let accrued = try totals.accruedByID(partnerIDs)
            let ids = Array(accrued.keys)
            var residues: [String: Int64] = [:]
            if !ids.isEmpty {
                let rows = try await connection.query("""
                    SELECT partner_id, residue FROM commission_residues WHERE currency = \(currency) AND partner_id = ANY(\(ids)::text[])
                    """, logger: logger)
                for try await (partner, residue) in rows.decode((String, Int64).self) { residues[partner] = residue }
            }
            let (payables, left) = CommissionWriters.payables(accrued: accrued, residues: residues,
                                                              unitsPerMinor: Power10.of(Accrual.scale - batch.currency.exponent))
            if !left.isEmpty {
                let entries = left.sorted { $0.key < $1.key }
                let leftIDs = entries.map(\.key), leftResidues = entries.map(\.value)
                try await connection.query("""
                    INSERT INTO commission_residues (partner_id, currency, residue)
                    SELECT t.p, \(currency), t.r FROM unnest(\(leftIDs)::text[], \(leftResidues)::bigint[]) AS t(p, r)
                    ON CONFLICT (partner_id, currency) DO UPDATE SET residue = excluded.residue
                    """, logger: logger)
            }
            try await DealFeedCursor.advance(batch.consumer, to: batch.lastSeq, at: batch.now, on: connection, logger: logger)
            if !payables.isEmpty {
                try await connection.query("""
                    INSERT INTO commission_postings (batch_key, document, status, created_at, posted_at)
                    VALUES (\(batch.postingKey), \(CommissionWriters.document(payables)), 'pending', \(batch.now), 0) ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            return payables
        }
    }
}
