import BrokerCore
import Commissions
import Money
import SQLKit
import Storage

/// Reads of stored commission lines for reports, and a line's explanation
/// recomputed from the stored deal with the books of its time.
public struct CommissionReports: Sendable {
    public struct Total: Sendable, Equatable {
        public let partner: String
        public let level: Int
        public let rule: String
        public let deals: Int
        /// Accrual units.
        public let amount: Int64
    }

    public struct StoredLine: Sendable, Equatable {
        public let server: String
        public let ticket: UInt64
        public let rule: String
        public let partner: String
        public let level: Int
        public let amount: Int64
        public let symbol: String
        public let time: Int64
    }

    let db: Database
    let source: BookSource

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        source = BookSource(db: db, clock: clock)
    }

    /// Totals per partner, level and rule for deals in [from, to), optionally one partner's.
    public func totals(from: Int64, to: Int64, partner: String? = nil) async throws -> [Total] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT partner_id, level, rule_id, COUNT(*) AS deals, CAST(SUM(amount) AS BIGINT) AS total FROM commission_lines
                WHERE deal_time >= \(bind: from) AND deal_time < \(bind: to) AND (\(bind: partner ?? "") = '' OR partner_id = \(bind: partner ?? ""))
                GROUP BY partner_id, level, rule_id ORDER BY partner_id, level, rule_id
                """).all().map { row in
                Total(partner: try row.decode(column: "partner_id", as: String.self), level: try row.decode(column: "level", as: Int.self),
                      rule: try row.decode(column: "rule_id", as: String.self), deals: try row.decode(column: "deals", as: Int.self),
                      amount: try row.decode(column: "total", as: Int64.self))
            }
        }
    }

    /// A partner's lines, newest first.
    public func lines(partner: String, limit: Int = 200) async throws -> [StoredLine] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM commission_lines WHERE partner_id = \(bind: partner) ORDER BY deal_time DESC, ticket DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    /// The stored lines of one deal.
    public func lines(server: String, ticket: UInt64) async throws -> [StoredLine] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM commission_lines WHERE server_id = \(bind: server) AND ticket = \(bind: Int64(bitPattern: ticket)) ORDER BY level, rule_id
                """).all().map(Self.decode)
        }
    }

    /// The deal's lines recomputed now from its stored inputs, with how each was computed.
    public func explain(server: String, ticket: UInt64, currency: Currency) async throws -> (lines: [StoredLine], notes: [String])? {
        guard let row = try await db.read({ sql in
            try await sql.raw("SELECT * FROM trade_deals WHERE server_id = \(bind: server) AND ticket = \(bind: Int64(bitPattern: ticket))").first()
        }) else { return nil }
        let deal = try DealStore.decode(row)
        let cache = BookCache(source: source, currency: currency)
        try await cache.refresh()
        let context = try await cache.engine(at: deal.time)
        guard let symbol = context.symbols[deal.symbol], let account = context.accounts["\(server):\(deal.login)"] else {
            return ([], ["deal \(ticket) earns nothing: its account \(server):\(deal.login) is attributed to no partner"])
        }
        let opening = try await source.openings(of: [(server, deal)])["\(server):\(deal.positionID)"]
        let input = EngineDeal(ticket: deal.ticket, account: account, symbol: symbol, action: deal.action, entry: deal.entry, time: deal.time,
                               volume: deal.volume.units, contractSize: deal.contractSize, pricePoints: deal.price.points,
                               openPricePoints: opening?.price ?? 0, openedAt: opening?.time ?? 0, commission: deal.commission.units)
        let (lines, notes) = context.engine.explain(input)
        let book = context.engine.book
        return (lines.map { line in
            StoredLine(server: server, ticket: deal.ticket, rule: book.ruleIDs[Int(line.rule)], partner: book.partners[Int(line.beneficiary)].id,
                       level: Int(line.level), amount: line.amount, symbol: deal.symbol, time: deal.time)
        }, notes)
    }

    static func decode(_ row: any SQLRow) throws -> StoredLine {
        StoredLine(server: try row.decode(column: "server_id", as: String.self),
                   ticket: UInt64(bitPattern: try row.decode(column: "ticket", as: Int64.self)), rule: try row.decode(column: "rule_id", as: String.self),
                   partner: try row.decode(column: "partner_id", as: String.self), level: try row.decode(column: "level", as: Int.self),
                   amount: try row.decode(column: "amount", as: Int64.self), symbol: try row.decode(column: "symbol", as: String.self),
                   time: try row.decode(column: "deal_time", as: Int64.self))
    }
}
