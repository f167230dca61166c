import BrokerCore
import CommissionsCore
import Foundation
import LedgerCore
import Logging
import Money
import ServiceLifecycle
import SQLKit
import Platform
import Trading
import Ledger

/// Synced deals to commission lines and ledger postings, exactly once.
///
/// Deals arrive through the deal feed. For each batch one database transaction
/// stores the lines (unique per deal, rule, beneficiary and level), rounds each
/// partner's accrued amount to minor units carrying the residue, advances the feed
/// cursor and writes the batch's ledger posting to an outbox; the posting is then
/// made under the batch's idempotency key. A crash anywhere leaves either nothing of
/// the batch (the feed resumes before it) or a pending posting (made on restart).
/// A deal the server corrected or cancelled comes through the feed again: its
/// earlier lines are reversed line by line and the new version computed afresh.
public struct CommissionPipeline: Service {
    public static let consumer = "commissions"

    let db: Database
    let feed: DealFeed
    let cache: BookCache
    /// Balances and credits before deals, for plans with the bonus coefficient.
    let accountMoney: AccountMoneyTracker
    let ledger: LedgerStore
    let writer: any CommissionWriter
    let clock: any PipstackClock
    let logger: Logger
    public let currency: Currency
    let batchSize: Int
    let health: PipelineHealth?

    public init(db: Database, deals: DealStore, ledger: LedgerStore, currency: Currency = .usd, clock: any PipstackClock, logger: Logger,
                batchSize: Int = 10_000, health: PipelineHealth? = nil) throws {
        self.health = health
        self.db = db
        writer = try CommissionWriters.make(db)
        feed = DealFeed(store: deals)
        cache = BookCache(source: BookSource(db: db, clock: clock), currency: currency)
        accountMoney = AccountMoneyTracker(db: db)
        self.ledger = ledger
        self.currency = currency
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    /// Follows the feed until cancelled. A transient fault restarts the stream from the
    /// stored cursor after a back-off; a broken invariant stops the pipeline (see `ServiceLoop`).
    func loop() async {
        await ServiceLoop(name: "commission pipeline", every: .milliseconds(50), health: health, logger: logger).run {
            try await postPending()
            try await consume(feed.batches(for: Self.consumer, batchSize: batchSize, pollInterval: .milliseconds(50)))
            return .finished
        }
    }

    /// Computes each batch while the one before it is being written: the engine and
    /// the database work side by side, and writes still commit in feed order.
    public func consume<Batches: AsyncSequence>(_ batches: Batches) async throws where Batches.Element == DealFeedBatch {
        var writing: Task<Void, any Error>?
        do {
            for try await batch in batches {
                let prepared = try await prepare(batch)
                try await writing?.value
                writing = nil
                if let prepared { writing = Task { _ = try await self.commit(prepared) } }
            }
            try await writing?.value
        } catch {
            writing?.cancel()
            _ = try? await writing?.value
            throw error
        }
    }

    /// Computes and stores one batch; returns how many lines were new.
    @discardableResult
    public func process(_ batch: DealFeedBatch) async throws -> Int {
        guard let prepared = try await prepare(batch) else { return 0 }
        return try await commit(prepared)
    }

    /// Writes a computed batch with its cursor, then makes its ledger posting.
    func commit(_ batch: CommissionBatch) async throws -> Int {
        let written = try await writer.write(batch)
        try await postPending()
        return written == nil ? 0 : batch.lines.count
    }

    /// The batch's commission lines, or nil when the feed cursor has passed all its
    /// deals (a replay): then nothing is computed at all.
    func prepare(_ batch: DealFeedBatch) async throws -> CommissionBatch? {
        guard let first = batch.deals.first?.seq else { return nil }
        let position = try await DealFeedCursor(db: db).position(of: Self.consumer)
        guard position < batch.lastSeq else { return nil }
        try await cache.refresh()
        let openings = try await cache.source.openings(of: batch.deals.map { ($0.serverID, $0.deal) })
        var rows: [CommissionLineRow] = []
        rows.reserveCapacity(batch.deals.count * 4)
        var partnerIDs: [Int64: String] = [:]
        var brandOf: [Int64: String] = [:]
        var lines: [CommissionLine] = []
        var inputs: [EngineDeal] = []
        var sources: [FeedDeal] = []
        // Deals in one span of unchanged books are computed together.
        var index = 0
        var rebuild = false
        let trades = batch.deals.filter { $0.seq > position && $0.deal.action.isTrade }
        let money = await cache.usesBonusCoefficient
            ? try await accountMoney.money(before: trades.map { ($0.serverID, $0.deal) },
                                           stored: batch.deals.map { ($0.serverID, $0.deal) })
            : [:]
        while index < trades.count {
            if rebuild {
                await cache.invalidate()
                rebuild = false
            }
            var context = try await cache.engine(at: trades[index].deal.time)
            var brands = await cache.accountBrands
            let spanTime = trades[index].deal.time
            let span = await cache.span(of: spanTime)
            inputs.removeAll(keepingCapacity: true)
            sources.removeAll(keepingCapacity: true)
            while index < trades.count, span.contains(trades[index].deal.time) {
                let item = trades[index]
                let deal = item.deal
                let key = TradingAccountKey(server: item.serverID, login: deal.login).description
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
                    brands = await cache.accountBrands
                }
                index += 1
                // The engine's ticket is the deal's place in this group, so lines map back to their deal and server.
                guard let input = context.input(for: deal, server: item.serverID, opening: openings[PositionKey(server: item.serverID, position: deal.positionID)],
                                                money: money[AccountMoneyTracker.MoneyKey(server: item.serverID, login: Int64(bitPattern: deal.login.value), time: deal.time)],
                                                ticket: UInt64(sources.count)) else { continue }
                inputs.append(input)
                sources.append(item)
                // The deal's brand, for the per-brand daily totals.
                if !brands.isEmpty, let brand = brands[key] { brandOf[item.seq] = brand.rawValue }
            }
            guard !inputs.isEmpty else { continue }
            lines.removeAll(keepingCapacity: true)
            context.engine.compute(inputs, into: &lines)
            let numbers = try await cache.lineNumbers(at: spanTime)
            partnerIDs.merge(numbers.partnerIDs) { first, _ in first }
            for line in lines {
                let item = sources[Int(line.ticket)]
                rows.append(CommissionLineRow(seq: item.seq, partner: numbers.partners[Int(line.beneficiary)], rule: numbers.rules[Int(line.rule)],
                                              level: Int64(line.level), amount: line.amount, day: CommissionLineRow.day(of: item.deal.time),
                                              volume: item.deal.volume.units))
            }
        }
        var prepared = CommissionBatch(consumer: Self.consumer, lastSeq: batch.lastSeq, lines: rows, currency: currency,
                                       postingKey: "comm:\(currency.code):\(first)-\(batch.lastSeq)", now: clock.nowMicros(), partnerIDs: partnerIDs)
        // A corrected or cancelled deal: what was stored for its previous version is reversed
        // (by the writer, from the stored lines), and the new version earns afresh above.
        let replacing = batch.deals.filter { $0.seq > position && $0.replaces != 0 }
        prepared.reversals = replacing.map {
            CommissionReversal(seq: $0.seq, replaces: $0.replaces, day: CommissionLineRow.day(of: $0.deal.time))
        }
        // A reversal counts under the brand of the deal it corrects.
        if !replacing.isEmpty {
            let brands = await cache.accountBrands
            for item in replacing where brandOf[item.seq] == nil {
                if let brand = brands[TradingAccountKey(server: item.serverID, login: item.deal.login).description] { brandOf[item.seq] = brand.rawValue }
            }
        }
        prepared.brands = brandOf
        return prepared
    }

    /// Makes the ledger postings of committed batches (and of period-end adjustments).
    public func postPending() async throws {
        try await CommissionPostings(db: db, ledger: ledger, currency: currency, clock: clock).postPending()
    }
}
