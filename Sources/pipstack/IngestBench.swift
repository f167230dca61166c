import ArgumentParser
import BrokerCore
import CommissionsCore
import Foundation
import LedgerCore
import Logging
import Money
import Partners
import Platform
import Commissions
import Trading
import Ledger

/// Durable, exactly-once ingest from stored deals to commission lines and ledger
/// postings on the database `PIPSTACK_DATABASE_URL` names (a scratch SQLite file
/// by default), then a replay of the same deals.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Commission pipeline throughput from stored deals (and a replay).")

    @Option(help: "Deals to ingest.") var deals = 1_000_000
    @Option(help: "Levels of each partner tree.") var depth = 5
    @Option(help: "Trading accounts.") var accounts = 10_000
    @Option(help: "Deals per pipeline batch.") var batch = 10_000
    @Flag(help: "Print JSON only.") var json = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Runtime.logger()
        logger.logLevel = .warning
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "ingest.sqlite")
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        let fsync = FsyncProbe.measure(in: url)
        let store = try DealStore(db: db)
        // The figures mean something only from an empty feed; a second run on the same database would collide with the first.
        guard try await store.feed(after: 0, limit: 1).isEmpty else {
            await db.close()
            throw ValidationError("bench ingest needs an empty database; \(url) already holds deals (name a new database)")
        }
        try await CommissionBenchData.setUp(db: db, store: store, deals: deals, depth: depth, accounts: accounts)
        let ledger = try LedgerStore(db: db)
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: ledger, clock: SystemClock(), logger: logger, batchSize: batch)
        let clock = ContinuousClock()
        let recorder = BatchRecorder()
        let started = clock.now
        // The pipeline's own pipelined loop over the real feed, ending when it is drained.
        try await pipeline.consume(DealFeed(store: store).batches(for: CommissionPipeline.consumer, batchSize: batch, endWhenDrained: true)
            .map { batch in await recorder.add(batch) })
        let seconds = (clock.now - started).seconds
        let reports = CommissionReports(db: db, clock: SystemClock())
        let lines = try await reports.lineCount()
        let batches = await recorder.batches
        let replayStarted = clock.now
        try await pipeline.consume(AsyncStream { continuation in
            for feedBatch in batches { continuation.yield(feedBatch) }
            continuation.finish()
        })
        let replaySeconds = (clock.now - replayStarted).seconds
        let replayed = try await reports.lineCount() - lines
        let integrity = try await ledger.verify()
        await db.close()
        let result: [String: Any] = [
            "deals": deals, "lines": lines, "seconds": (seconds * 1_000).rounded() / 1_000, "deals_per_second": Int(Double(deals) / max(seconds, 1e-9)),
            "replay_deals_per_second": Int(Double(deals) / max(replaySeconds, 1e-9)), "replay_new_lines": replayed, "balanced": integrity.isSound,
            "fsync_per_second": fsync, "batch": batch, "depth": depth, "database": db.dialect.rawValue,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }
}

/// Keeps the batches the first pass consumed, to replay them.
actor BatchRecorder {
    var batches: [DealFeedBatch] = []

    func add(_ batch: DealFeedBatch) -> DealFeedBatch {
        batches.append(batch)
        return batch
    }
}

/// The partner trees, plans, attributions and stored deals the commission benchmarks run on.
enum CommissionBenchData {
    static func setUp(db: Database, store: DealStore, deals: Int, depth: Int, accounts: Int) async throws {
        let builder = BookBuilder(db: db, clock: SystemClock())
        let trees = max(1, accounts / 50)
        for tree in 0..<trees {
            for level in 0..<depth {
                let id = "p\(tree)-\(level)"
                try await builder.partners.create(Partner(id: PartnerID(id), name: id), parent: level == 0 ? nil : "p\(tree)-\(level - 1)", from: 0, audit: .system)
            }
        }
        for level in 0..<depth {
            try await builder.plans.save(CommissionPlan(id: "level-\(level)", name: "Level \(level)", rules: [
                .init(id: "rebate", kind: .perLot, rates: .init(default: FixedPoint.format(Int64(900 - 100 * level) * 1_000_000, scale: 8),
                                                                groups: ["metals": FixedPoint.format(Int64(400 - 50 * level) * 1_000_000, scale: 8)])),
            ]), effectiveFrom: 0, audit: .system)
        }
        for tree in 0..<trees { for level in 0..<depth { try await builder.plans.assign("p\(tree)-\(level)", plan: "level-\(level)", from: 0, audit: .system) } }
        for account in 0..<accounts {
            try await builder.attributions.attribute(Attribution(subject: .account, subjectID: "bench:\(account + 1)", partnerID: "p\(account % trees)-\(depth - 1)"),
                                                     from: 0, audit: .system)
        }
        try await BenchDeals.store(deals, into: store, serverID: "bench", firstLogin: 1, accounts: accounts, symbols: CommissionBench.symbols,
                                   time: { 1_000_000_000 + Int64($0) * 1_000 })
    }
}
