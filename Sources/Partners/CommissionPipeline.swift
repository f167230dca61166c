import BrokerCore
import Commissions
import Foundation
import Ledger
import Logging
import Money
import ServiceLifecycle
import SQLKit
import Storage

/// Synced deals to commission lines and ledger postings, exactly once.
///
/// Deals arrive through the deal feed. For each batch one database transaction
/// stores the lines (unique per deal, rule, beneficiary and level), rounds each
/// partner's accrued amount to minor units carrying the residue, advances the feed
/// cursor and writes the batch's ledger posting to an outbox; the posting is then
/// made under the batch's idempotency key. A crash anywhere leaves either nothing of
/// the batch (the feed resumes before it) or a pending posting (made on restart).
public struct CommissionPipeline: Service {
    public static let consumer = "commissions"

    let db: Database
    let feed: DealFeed
    let cache: BookCache
    let ledger: LedgerStore
    let clock: any PipstackClock
    let logger: Logger
    public let currency: Currency
    let batchSize: Int

    public init(db: Database, deals: DealStore, ledger: LedgerStore, currency: Currency = .usd, clock: any PipstackClock, logger: Logger,
                batchSize: Int = 2_000) {
        self.db = db
        feed = DealFeed(store: deals)
        cache = BookCache(source: BookSource(db: db, clock: clock), currency: currency)
        self.ledger = ledger
        self.currency = currency
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await postPending()
                for try await batch in feed.batches(for: Self.consumer, batchSize: batchSize, pollInterval: .milliseconds(50)) {
                    _ = try await process(batch)
                    failures = 0
                }
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning("commission pipeline failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(30_000, 200 * (1 << min(failures, 7)))))
            }
        }
    }

    /// One stored line before it is written.
    struct Row {
        var server: String, ticket: UInt64, rule: String, partner: String, level: Int16, amount: Int64, login: UInt64, symbol: String, time: Int64, seq: Int64
    }

    /// Computes and stores one batch; returns how many lines were new.
    @discardableResult
    public func process(_ batch: DealFeedBatch) async throws -> Int {
        guard let first = batch.deals.first?.seq else { return 0 }
        try await cache.refresh()
        let openings = try await cache.source.openings(of: batch.deals.map { ($0.serverID, $0.deal) })
        var rows: [Row] = []
        var lines: [CommissionLine] = []
        for item in batch.deals where item.deal.action.isTrade {
            let deal = item.deal
            var context = try await cache.engine(at: deal.time)
            if context.symbols[deal.symbol] == nil || context.accounts["\(item.serverID):\(deal.login)"] == nil {
                // A symbol or account the books have not seen yet: rebuild once.
                await cache.invalidate()
                context = try await cache.engine(at: deal.time)
            }
            guard let symbol = context.symbols[deal.symbol], let account = context.accounts["\(item.serverID):\(deal.login)"] else { continue }
            let opening = openings["\(item.serverID):\(deal.positionID)"]
            let input = EngineDeal(ticket: deal.ticket, account: account, symbol: symbol, action: deal.action, entry: deal.entry, time: deal.time,
                                   volume: deal.volume.units, contractSize: deal.contractSize, pricePoints: deal.price.points,
                                   openPricePoints: opening?.price ?? 0, openedAt: opening?.time ?? 0, commission: deal.commission.units)
            lines.removeAll(keepingCapacity: true)
            context.engine.compute([input], into: &lines)
            let book = context.engine.book
            for line in lines {
                rows.append(Row(server: item.serverID, ticket: deal.ticket, rule: book.ruleIDs[Int(line.rule)], partner: book.partners[Int(line.beneficiary)].id,
                                level: line.level, amount: line.amount, login: deal.login.value, symbol: deal.symbol, time: deal.time, seq: item.seq))
            }
        }
        let batchKey = "comm:\(currency.code):\(first)-\(batch.lastSeq)"
        let now = clock.nowMicros()
        let currencyCode = currency.code
        let unitsPerMinor = Power10.of(Accrual.scale - currency.exponent)
        let rowsToWrite = rows
        let last = batch.lastSeq
        let inserted: Int = try await db.transaction { sql in
            // Lines, exactly once; only what was new counts towards the ledger.
            var accrued: [String: Int64] = [:]
            var inserted = 0
            for start in stride(from: 0, to: rowsToWrite.count, by: 1_000) {
                let chunk = rowsToWrite[start..<min(rowsToWrite.count, start + 1_000)]
                var query = SQLQueryString("""
                    INSERT INTO commission_lines (server_id, ticket, rule_id, partner_id, level, amount, currency, login, symbol, deal_time, feed_seq) VALUES
                    """)
                for (index, row) in chunk.enumerated() {
                    query.appendInterpolation(unsafeRaw: index == 0 ? " (" : ", (")
                    query.appendInterpolation(bind: row.server); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: Int64(bitPattern: row.ticket)); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: row.rule); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: row.partner); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: Int(row.level)); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: row.amount); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: currencyCode); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: Int64(bitPattern: row.login)); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: row.symbol); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: row.time); query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: row.seq); query.appendInterpolation(unsafeRaw: ")")
                }
                query.appendInterpolation(unsafeRaw: " ON CONFLICT DO NOTHING RETURNING partner_id, amount")
                for row in try await sql.raw(query).all() {
                    accrued[try row.decode(column: "partner_id", as: String.self), default: 0] += try row.decode(column: "amount", as: Int64.self)
                    inserted += 1
                }
            }
            // Round each partner's accrual to minor units, carrying what is left.
            var postings: [PostingLine] = []
            for partner in accrued.keys.sorted() {
                let residue = try await sql.raw("""
                    SELECT residue FROM commission_residues WHERE partner_id = \(bind: partner) AND currency = \(bind: currencyCode)
                    """).first()?.decode(column: "residue", as: Int64.self) ?? 0
                let total = (accrued[partner] ?? 0) + residue
                let minor = Rounding.divide(total, by: unitsPerMinor, rule: .down).quotient
                let left = total - minor * unitsPerMinor
                try await sql.raw("""
                    INSERT INTO commission_residues (partner_id, currency, residue) VALUES (\(bind: partner), \(bind: currencyCode), \(bind: left))
                    ON CONFLICT (partner_id, currency) DO UPDATE SET residue = excluded.residue
                    """).run()
                if minor != 0 { postings.append(PostingLine(partner: partner, minor: minor)) }
            }
            try await DealFeedCursor.advance(Self.consumer, to: last, at: now, on: sql)
            if !postings.isEmpty {
                let document = String(decoding: try JSONEncoder().encode(postings), as: UTF8.self)
                try await sql.raw("""
                    INSERT INTO commission_postings (batch_key, document, status, created_at, posted_at)
                    VALUES (\(bind: batchKey), \(bind: document), 'pending', \(bind: now), 0) ON CONFLICT DO NOTHING
                    """).run()
            }
            return inserted
        }
        try await postPending()
        return inserted
    }

    struct PostingLine: Codable { let partner: String; let minor: Int64 }

    /// Makes the ledger postings of committed batches; each under its batch key, so
    /// a posting made before a crash is not made again.
    public func postPending() async throws {
        let pending = try await db.read { sql in
            try await sql.raw("SELECT batch_key, document, created_at FROM commission_postings WHERE status = 'pending' ORDER BY created_at, batch_key").all()
                .map { (try $0.decode(column: "batch_key", as: String.self), try $0.decode(column: "document", as: String.self),
                        try $0.decode(column: "created_at", as: Int64.self)) }
        }
        for (key, document, created) in pending {
            let lines = try JSONDecoder().decode([PostingLine].self, from: Data(document.utf8))
            let expense = LedgerAccount(kind: .brokerRevenue, owner: "ib_commissions", currency: currency)
            // At most 1,023 partners per ledger transaction: larger batches post in parts.
            for (part, chunk) in stride(from: 0, to: lines.count, by: 1_000).map({ lines[$0..<min(lines.count, $0 + 1_000)] }).enumerated() {
                var postings = chunk.map { Posting(account: LedgerAccount(kind: .ibCommissionPayable, owner: $0.partner, currency: currency), amount: $0.minor) }
                postings.append(Posting(account: expense, amount: -chunk.reduce(0) { $0 + $1.minor }))
                _ = try await ledger.post(LedgerTransaction(idempotencyKey: "\(key):\(part)", kind: "ib_commission", memo: "commissions of feed \(key)",
                                                            occurredAt: created, postings: postings))
            }
            let now = clock.nowMicros()
            try await db.transaction { sql in
                try await sql.raw("UPDATE commission_postings SET status = 'posted', posted_at = \(bind: now) WHERE batch_key = \(bind: key)").run()
            }
        }
    }
}
