import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Trading

/// Recomputes a period's commissions with the books as they stand now (after a plan,
/// tree or attribution was corrected back in time) and sends through the pipeline
/// again only the deals whose lines would differ. The pipeline reverses their stored
/// lines and computes them afresh, exactly once, so partners' balances and the
/// ledger move by the differences only.
public struct CommissionRecalculation: Sendable {
    public struct Result: Sendable, Equatable, Codable {
        /// Deals of the period the pipeline had computed.
        public let checked: Int
        /// Those whose recomputation differs: requeued.
        public let requeued: Int
    }

    let db: Database
    let store: DealStore
    let cache: BookCache
    let clock: any PipstackClock

    public init(db: Database, deals: DealStore, currency: Currency = .usd, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
        store = deals
        cache = BookCache(source: BookSource(db: db, clock: clock), currency: currency)
    }

    /// Deals with time in [from, to) that the pipeline has consumed.
    public func run(from: Int64, to: Int64, audit: AuditContext) async throws -> Result {
        let consumed = try await DealFeedCursor(db: db).position(of: CommissionPipeline.consumer)
        try await cache.refresh()
        var after: Int64 = 0
        var checked = 0
        var differing: [Int64] = []
        while true {
            let page = try await DealHistory(db: db).feed(after: after, upTo: consumed, from: from, to: to)
            guard let last = page.last else { break }
            after = last.seq
            let stored = try await storedLines(at: page.map(\.seq))
            let openings = try await cache.source.openings(of: page.map { ($0.serverID, $0.deal) })
            for item in page {
                let recomputed = try await lines(of: item, opening: openings[PositionKey(server: item.serverID, position: item.deal.positionID)])
                if recomputed != stored[item.seq] ?? [:] { differing.append(item.seq) }
                checked += 1
            }
        }
        let requeuedSeqs = differing, checkedCount = checked
        let now = clock.nowMicros()
        let requeued = try await db.transaction { sql in
            let count = try await store.requeue(feedPositions: requeuedSeqs, on: sql)
            try await AuditLog.append(audit.entry("commissions.recalculate", entityType: "commissions", entityID: "\(from)-\(to)",
                                                  after: "{\"checked\":\(checkedCount),\"requeued\":\(count)}"),
                                      at: now, on: sql, dialect: db.dialect)
            return count
        }
        return Result(checked: checked, requeued: requeued)
    }

    /// What the deal earns with the books of its time as they stand now, by "partner/rule/level".
    func lines(of item: FeedDeal, opening: PositionOpening?) async throws -> [String: Int64] {
        guard item.deal.action.isTrade else { return [:] }
        let context = try await cache.engine(at: item.deal.time)
        let money = await cache.usesBonusCoefficient
            ? try await AccountMoneyTracker.total(account: TradingAccountKey(server: item.serverID, login: item.deal.login), before: item.deal.time, on: db) : nil
        guard let input = context.input(for: item.deal, server: item.serverID, opening: opening, money: money, ticket: 0) else { return [:] }
        var lines: [CommissionLine] = []
        context.engine.compute([input], into: &lines)
        let book = context.engine.book
        var result: [String: Int64] = [:]
        for line in lines {
            result["\(book.partners[Int(line.beneficiary)].id)/\(book.ruleIDs[Int(line.rule)])/\(line.level)", default: 0] += line.amount
        }
        return result.filter { $0.value != 0 }
    }

    /// The lines stored for each deal version's own computation (reversals of earlier
    /// versions cancel those versions' lines, so these are what the deal stands at).
    func storedLines(at seqs: [Int64]) async throws -> [Int64: [String: Int64]] {
        try await db.read { sql in
            var query = SQLQueryString("""
                SELECT l.feed_seq, p.name AS partner_id, r.name AS rule_id, l.level, l.amount FROM commission_lines l
                JOIN commission_names p ON p.number = l.partner JOIN commission_names r ON r.number = l.rule
                WHERE l.reverses = 0 AND l.feed_seq IN (
                """)
            for (index, seq) in seqs.enumerated() {
                if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                query.appendInterpolation(bind: seq)
            }
            query.appendInterpolation(unsafeRaw: ")")
            var stored: [Int64: [String: Int64]] = [:]
            for row in try await sql.raw(query).all() {
                let key = "\(try row.decode(column: "partner_id", as: String.self))/\(try row.decode(column: "rule_id", as: String.self))/"
                    + "\(try row.decode(column: "level", as: Int.self))"
                stored[try row.decode(column: "feed_seq", as: Int64.self), default: [:]][key, default: 0] += try row.decode(column: "amount", as: Int64.self)
            }
            return stored.mapValues { $0.filter { $0.value != 0 } }
        }
    }
}
