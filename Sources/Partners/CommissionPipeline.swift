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
    let writer: any CommissionWriter
    let clock: any PipstackClock
    let logger: Logger
    public let currency: Currency
    let batchSize: Int

    public init(db: Database, deals: DealStore, ledger: LedgerStore, currency: Currency = .usd, clock: any PipstackClock, logger: Logger,
                batchSize: Int = 2_000) throws {
        self.db = db
        writer = try CommissionWriters.make(db)
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

    /// Computes and stores one batch; returns how many lines were new.
    @discardableResult
    public func process(_ batch: DealFeedBatch) async throws -> Int {
        guard let first = batch.deals.first?.seq else { return 0 }
        try await cache.refresh()
        let openings = try await cache.source.openings(of: batch.deals.map { ($0.serverID, $0.deal) })
        var rows: [CommissionLineRow] = []
        rows.reserveCapacity(batch.deals.count * 4)
        var lines: [CommissionLine] = []
        var inputs: [EngineDeal] = []
        var sources: [FeedDeal] = []
        // Deals in one span of unchanged books are computed together.
        var index = 0
        var rebuild = false
        let trades = batch.deals.filter { $0.deal.action.isTrade }
        while index < trades.count {
            if rebuild {
                await cache.invalidate()
                rebuild = false
            }
            var context = try await cache.engine(at: trades[index].deal.time)
            let span = await cache.span(of: trades[index].deal.time)
            inputs.removeAll(keepingCapacity: true)
            sources.removeAll(keepingCapacity: true)
            while index < trades.count, span.contains(trades[index].deal.time) {
                let item = trades[index]
                let deal = item.deal
                let key = "\(item.serverID):\(deal.login)"
                if context.symbols[deal.symbol] == nil || context.accounts[key] == nil, await cache.isFresh {
                    // A symbol or account the books have not seen yet: rebuild once. A rebuilt book may
                    // number symbols and accounts differently, so the deals gathered so far are computed
                    // with the book they were mapped with first.
                    if !inputs.isEmpty {
                        rebuild = true
                        break
                    }
                    await cache.invalidate()
                    context = try await cache.engine(at: deal.time)
                }
                index += 1
                guard let symbol = context.symbols[deal.symbol], let account = context.accounts[key] else { continue }
                let opening = openings["\(item.serverID):\(deal.positionID)"]
                // The engine's ticket is the deal's place in this group, so lines map back to their deal and server.
                inputs.append(EngineDeal(ticket: UInt64(sources.count), account: account, symbol: symbol, action: deal.action, entry: deal.entry, time: deal.time,
                                         volume: deal.volume.units, contractSize: deal.contractSize, pricePoints: deal.price.points,
                                         openPricePoints: opening?.price ?? 0, openedAt: opening?.time ?? 0, commission: deal.commission.units))
                sources.append(item)
            }
            lines.removeAll(keepingCapacity: true)
            context.engine.compute(inputs, into: &lines)
            let book = context.engine.book
            for line in lines {
                let item = sources[Int(line.ticket)]
                rows.append(CommissionLineRow(server: item.serverID, ticket: Int64(bitPattern: item.deal.ticket), rule: book.ruleIDs[Int(line.rule)],
                                              partner: book.partners[Int(line.beneficiary)].id, level: Int64(line.level), amount: line.amount,
                                              login: Int64(bitPattern: item.deal.login.value), symbol: item.deal.symbol, time: item.deal.time, seq: item.seq))
            }
        }
        let written = try await writer.write(CommissionBatch(consumer: Self.consumer, lastSeq: batch.lastSeq, lines: rows, currency: currency,
                                                             postingKey: "comm:\(currency.code):\(first)-\(batch.lastSeq)", now: clock.nowMicros()))
        try await postPending()
        return written == nil ? 0 : rows.count
    }

    typealias PostingLine = CommissionPayable

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
