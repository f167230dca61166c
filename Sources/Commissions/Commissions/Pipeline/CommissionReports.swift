import BrokerCore
import Foundation
import CommissionsCore
import Money
import SQLKit
import Platform
import Trading

/// Reads of stored commission lines for reports, and a line's explanation
/// recomputed from the stored deal with the books of its time.
public struct CommissionReports: Sendable {
    public struct Total: Sendable, Equatable {
        public let partner: PartnerID
        public let level: Int
        public let rule: String
        public let deals: Int
        /// Accrual units.
        public let amount: Int64
    }

    public struct StoredLine: Sendable, Equatable {
        public let server: ServerID
        public let ticket: UInt64
        public let rule: String
        public let partner: PartnerID
        public let level: Int
        public let amount: Int64
        public let symbol: String
        public let time: Int64
        /// The feed position of the deal version the line was computed for (0 for a recomputation).
        public var seq: Int64 = 0
        /// For a reversing line, the feed position of the version it negates; else 0.
        public var reverses: Int64 = 0
    }

    let db: Database
    let source: BookSource

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        source = BookSource(db: db, clock: clock)
    }

    /// Totals per partner, level and rule for the UTC days from the day of `from`
    /// up to `to` (read from the daily totals each batch keeps), optionally one partner's.
    public func totals(from: Int64, to: Int64, partner: PartnerID? = nil) async throws -> [Total] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT p.name AS partner_id, d.level, r.name AS rule_id, CAST(SUM(d.lines) AS BIGINT) AS deals, CAST(SUM(d.amount) AS BIGINT) AS total
                FROM commission_daily d JOIN commission_names p ON p.number = d.partner JOIN commission_names r ON r.number = d.rule
                WHERE d.day >= \(bind: CommissionLineRow.day(of: from)) AND d.day < \(bind: to)
                    AND (\(bind: partner?.rawValue ?? "") = '' OR p.name = \(bind: partner?.rawValue ?? ""))
                GROUP BY p.name, d.level, r.name ORDER BY p.name, d.level, r.name
                """).all().map { row in
                Total(partner: try row.decode(column: "partner_id", as: PartnerID.self), level: try row.decode(column: "level", as: Int.self),
                      rule: try row.decode(column: "rule_id", as: String.self), deals: try row.decode(column: "deals", as: Int.self),
                      amount: try row.decode(column: "total", as: Int64.self))
            }
        }
    }

    /// One partner's commissions of one UTC day, level and rule.
    public struct DayTotal: Sendable, Equatable {
        public let day: Int64
        public let level: Int
        public let rule: String
        public let deals: Int
        /// Accrual units.
        public let amount: Int64
        /// Lots (10⁻⁸) of the deals behind the lines.
        public var lots: Int64 = 0
    }

    /// A partner's daily totals for the UTC days from the day of `from` up to `to`.
    public func daily(from: Int64, to: Int64, partner: PartnerID) async throws -> [DayTotal] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT d.day, d.level, r.name AS rule_id, d.lines AS deals, d.amount, d.lots
                FROM commission_daily d JOIN commission_names p ON p.number = d.partner JOIN commission_names r ON r.number = d.rule
                WHERE d.day >= \(bind: CommissionLineRow.day(of: from)) AND d.day < \(bind: to) AND p.name = \(bind: partner)
                ORDER BY d.day, d.level, r.name
                """).all().map { row in
                DayTotal(day: try row.decode(column: "day", as: Int64.self), level: try row.decode(column: "level", as: Int.self),
                         rule: try row.decode(column: "rule_id", as: String.self), deals: try row.decode(column: "deals", as: Int.self),
                         amount: try row.decode(column: "amount", as: Int64.self), lots: try row.decode(column: "lots", as: Int64.self))
            }
        }
    }

    /// A partner's lines, newest first (by feed position, which follows sync order).
    /// Found through the batch directory: the partner's part of each batch, newest
    /// batch first, lists the positions of its lines.
    public func lines(partner: PartnerID, limit: Int = 200) async throws -> [StoredLine] {
        guard limit > 0, let number = try await CommissionNames(db: db).number(.partner, of: partner.rawValue) else { return [] }
        var result: [StoredLine] = []
        var cursor = Int64.max
        while result.count < limit {
            let before = cursor
            let parts = try await db.read { sql in
                try await sql.raw("""
                    SELECT b.first_seq, b.last_seq, d.seqs FROM commission_batches b
                    JOIN commission_partner_batches d ON d.first_seq = b.first_seq AND d.partner = \(bind: number)
                    WHERE b.first_seq < \(bind: before) ORDER BY b.first_seq DESC LIMIT 20
                    """).all().map { row in
                    (first: try row.decode(column: "first_seq", as: Int64.self), last: try row.decode(column: "last_seq", as: Int64.self),
                     seqs: [UInt8](try row.decode(column: "seqs", as: Data.self)))
                }
            }
            guard let oldest = parts.last else { break }
            for part in parts where result.count < limit {
                let wanted = limit - result.count
                guard let positions = DeltaList.decode(part.seqs) else { throw StorageError.corruptRow(table: "commission_partner_batches", row: "first_seq \(part.first)", "unreadable positions") }
                let rows = try await db.read { sql in
                    var query = Self.partLines(partner: number, first: part.first, last: part.last, positions: positions.suffix(wanted))
                    query.appendInterpolation(unsafeRaw: " ORDER BY l.feed_seq DESC, l.level, r.name LIMIT ")
                    query.appendInterpolation(bind: wanted)
                    return try await sql.raw(query).all()
                }
                result += try await withDeals(rows)
            }
            cursor = oldest.first
        }
        return result
    }

    /// The partner's lines in one batch: at the positions its directory lists, or,
    /// for a batch from before the directory listed positions, its whole range.
    static func partLines(partner number: Int64, first: Int64, last: Int64, positions: some Collection<Int64>) -> SQLQueryString {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.columns) \(unsafeRaw: Self.joins) WHERE l.partner = \(bind: number) AND ")
        if positions.isEmpty {
            query.appendInterpolation(unsafeRaw: "l.feed_seq BETWEEN ")
            query.appendInterpolation(bind: first)
            query.appendInterpolation(unsafeRaw: " AND ")
            query.appendInterpolation(bind: last)
        } else {
            query.appendInterpolation(unsafeRaw: "l.feed_seq IN (")
            for (index, position) in positions.enumerated() {
                if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                query.appendInterpolation(bind: position)
            }
            query.appendInterpolation(unsafeRaw: ")")
        }
        return query
    }

    /// One partner's commissions in a period by symbol.
    public struct SymbolTotal: Sendable, Equatable {
        public let symbol: String
        /// Lines net of reversals.
        public let lines: Int
        /// Accrual units.
        public let amount: Int64

        public init(symbol: String, lines: Int, amount: Int64) {
            self.symbol = symbol
            self.lines = lines
            self.amount = amount
        }
    }

    /// A partner's lines of deals in [from, to) added up by symbol, read through the
    /// batch directory (the batches whose deal days overlap the period).
    public func bySymbol(partner: PartnerID, from: Int64, to: Int64) async throws -> [SymbolTotal] {
        guard let number = try await CommissionNames(db: db).number(.partner, of: partner.rawValue) else { return [] }
        let parts = try await db.read { sql in
            try await sql.raw("""
                SELECT b.first_seq, b.last_seq, d.seqs FROM commission_batches b
                JOIN commission_partner_batches d ON d.first_seq = b.first_seq AND d.partner = \(bind: number)
                WHERE b.last_day >= \(bind: CommissionLineRow.day(of: from)) AND b.first_day < \(bind: to) ORDER BY b.first_seq
                """).all().map { row in
                (first: try row.decode(column: "first_seq", as: Int64.self), last: try row.decode(column: "last_seq", as: Int64.self),
                 seqs: [UInt8](try row.decode(column: "seqs", as: Data.self)))
            }
        }
        var totals: [String: (lines: Int, amount: Int64)] = [:]
        for part in parts {
            guard let positions = DeltaList.decode(part.seqs) else { throw StorageError.corruptRow(table: "commission_partner_batches", row: "first_seq \(part.first)", "unreadable positions") }
            let chunks: [[Int64]] = positions.isEmpty ? [[]] : stride(from: 0, to: positions.count, by: 500).map { Array(positions[$0..<min(positions.count, $0 + 500)]) }
            for chunk in chunks {
                let rows = try await db.read { sql in
                    try await sql.raw(Self.partLines(partner: number, first: part.first, last: part.last, positions: chunk)).all()
                }
                for line in try await withDeals(rows) where line.time >= from && line.time < to {
                    totals[line.symbol, default: (0, 0)].lines += line.reverses == 0 ? 1 : -1
                    totals[line.symbol, default: (0, 0)].amount += line.amount
                }
            }
        }
        return totals.map { SymbolTotal(symbol: $0.key, lines: $0.value.lines, amount: $0.value.amount) }.sorted { $0.symbol < $1.symbol }
    }

    /// The stored lines of one deal, every version of it: the lines of a version the
    /// server later corrected or cancelled, their reversals, and the current lines.
    public func lines(server: ServerID, ticket: UInt64) async throws -> [StoredLine] {
        let versions = try await DealHistory(db: db).feedPositions(server: server, ticket: ticket)
        guard !versions.isEmpty else { return [] }
        let rows = try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) \(unsafeRaw: Self.joins)
                WHERE l.feed_seq IN (\(binds: versions))
                ORDER BY l.feed_seq, l.reverses, l.level, r.name
                """).all()
        }
        return try await withDeals(rows)
    }

    /// Net amount per (partner, level, rule) of stored lines: what a recomputation of
    /// the current deal must equal, however many corrections came between.
    public static func net(_ lines: [StoredLine]) -> [String: Int64] {
        var net: [String: Int64] = [:]
        for line in lines { net["\(line.partner)/\(line.level)/\(line.rule)", default: 0] += line.amount }
        return net.filter { $0.value != 0 }
    }

    /// Every partner's amount and line count over all stored lines, for audits and
    /// for checking the pipeline against an independent recomputation.
    public func allTimeTotals() async throws -> [PartnerID: (amount: Int64, lines: Int)] {
        try await db.read { sql in
            var totals: [PartnerID: (amount: Int64, lines: Int)] = [:]
            for row in try await sql.raw("""
                SELECT p.name AS partner_id, CAST(SUM(l.amount) AS BIGINT) AS total, COUNT(*) AS n
                FROM commission_lines l JOIN commission_names p ON p.number = l.partner GROUP BY p.name
                """).all() {
                totals[try row.decode(column: "partner_id", as: PartnerID.self)] = (try row.decode(column: "total", as: Int64.self), try row.decode(column: "n", as: Int.self))
            }
            return totals
        }
    }

    /// The partner's rounding residue (accrual units not yet posted as whole minor units).
    /// How many lines are stored, reversing lines included.
    public func lineCount() async throws -> Int {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM commission_lines").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func residue(of partner: PartnerID, currency: Currency) async throws -> Int64 {
        try await db.read { sql in
            try await sql.raw("""
                SELECT residue FROM commission_residues WHERE partner_id = \(bind: partner) AND currency = \(bind: currency.code)
                """).first()?.decode(column: "residue", as: Int64.self) ?? 0
        }
    }

    /// A line as stored; which deal it is for comes from the deal's version at its feed position (`withDeals`).
    static let columns = "r.name AS rule_id, p.name AS partner_id, l.level, l.amount, l.feed_seq, l.reverses"
    static let joins = """
        FROM commission_lines l JOIN commission_names p ON p.number = l.partner JOIN commission_names r ON r.number = l.rule
        """

    /// Stored lines with their deals: the version each feed position stored, current or
    /// earlier, read through Trading's deal history.
    func withDeals(_ rows: [any SQLRow]) async throws -> [StoredLine] {
        let positions = try Array(Set(rows.map { try $0.decode(column: "feed_seq", as: Int64.self) }))
        let versions = try await DealHistory(db: db).versions(at: positions)
        return try rows.map { row in
            let seq = try row.decode(column: "feed_seq", as: Int64.self)
            guard let deal = versions[seq] else {
                throw StorageError.brokenInvariant("commission lines at feed position \(seq) name no stored deal version")
            }
            return StoredLine(server: deal.serverID, ticket: deal.ticket, rule: try row.decode(column: "rule_id", as: String.self),
                              partner: try row.decode(column: "partner_id", as: PartnerID.self), level: try row.decode(column: "level", as: Int.self),
                              amount: try row.decode(column: "amount", as: Int64.self), symbol: deal.symbol, time: deal.time, seq: seq,
                              reverses: try row.decode(column: "reverses", as: Int64.self))
        }
    }

    /// The deal's lines recomputed now from its stored inputs, with how each was computed.
    public func explain(server: ServerID, ticket: UInt64, currency: Currency) async throws -> (lines: [StoredLine], notes: [String])? {
        guard let deal = try await DealHistory(db: db).deal(server: server, ticket: ticket) else { return nil }
        let cache = BookCache(source: source, currency: currency)
        try await cache.refresh()
        let context = try await cache.engine(at: deal.time)
        let opening = try await source.openings(of: [(server, deal)])[PositionKey(server: server, position: deal.positionID)]
        let money = await cache.usesBonusCoefficient
            ? try await AccountMoneyTracker.total(account: TradingAccountKey(server: server, login: deal.login), before: deal.time, on: db) : nil
        guard let input = context.input(for: deal, server: server, opening: opening, money: money, ticket: deal.ticket) else {
            return ([], ["deal \(ticket) earns nothing: its account \(server):\(deal.login) is attributed to no partner"])
        }
        let (lines, notes) = context.engine.explain(input)
        let book = context.engine.book
        return (lines.map { line in
            StoredLine(server: server, ticket: deal.ticket, rule: book.ruleIDs[Int(line.rule)], partner: PartnerID(book.partners[Int(line.beneficiary)].id),
                       level: Int(line.level), amount: line.amount, symbol: deal.symbol, time: deal.time)
        }, notes)
    }
}

extension CommissionReports {
    /// The broker's commissions (accrual units) and the lots its referred clients
    /// traded, per UTC day in [from, to): what the back-office home charts. Lots count
    /// each partner's level-1 deals once (the rule with the most lots that day).
    public func brokerDaily(from: Int64, to: Int64) async throws -> [(day: Int64, amount: Int64, lots: Int64)] {
        try await db.read { sql in
            var amounts: [Int64: Int64] = [:], lots: [Int64: Int64] = [:]
            for row in try await sql.raw("""
                SELECT day, CAST(SUM(amount) AS BIGINT) AS amount FROM commission_daily WHERE day >= \(bind: from) AND day < \(bind: to) GROUP BY day
                """).all() {
                amounts[try row.decode(column: "day", as: Int64.self)] = try row.decode(column: "amount", as: Int64.self)
            }
            for row in try await sql.raw("""
                SELECT day, CAST(SUM(most) AS BIGINT) AS lots FROM (
                    SELECT day, partner, MAX(lots) AS most FROM commission_daily WHERE level = 1 AND day >= \(bind: from) AND day < \(bind: to) GROUP BY day, partner
                ) per_partner GROUP BY day
                """).all() {
                lots[try row.decode(column: "day", as: Int64.self)] = try row.decode(column: "lots", as: Int64.self)
            }
            return Set(amounts.keys).union(lots.keys).sorted().map { ($0, amounts[$0] ?? 0, lots[$0] ?? 0) }
        }
    }

    /// The same for the trading accounts of one brand (`commission_brand_daily`).
    /// Period-end tier adjustments are the partner's and count in no brand.
    public func brokerDaily(from: Int64, to: Int64, brand: BrandID) async throws -> [(day: Int64, amount: Int64, lots: Int64)] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT day, CAST(SUM(amount) AS BIGINT) AS amount, CAST(SUM(lots) AS BIGINT) AS lots FROM commission_brand_daily
                WHERE brand_id = \(bind: brand.rawValue) AND day >= \(bind: from) AND day < \(bind: to) GROUP BY day ORDER BY day
                """).all().map {
                (try $0.decode(column: "day", as: Int64.self), try $0.decode(column: "amount", as: Int64.self), try $0.decode(column: "lots", as: Int64.self))
            }
        }
    }
}
