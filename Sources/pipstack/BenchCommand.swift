import ArgumentParser
import BrokerCore
import Foundation
import LedgerCore
import Money
import Identity
import Platform
import Ledger

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks that print JSON (run in a release build).", subcommands: [LedgerBench.self, SyncBench.self, CommissionBench.self, IngestBench.self, CrashBench.self, TreeBench.self, PagesBench.self, PaymentsBench.self])
}

/// Durable, batched ledger posting.
struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "Post N balanced transactions in durable batches and report postings per second.")

    @Option(help: "Transactions to post.") var transactions = 1_000_000
    @Option(name: .customLong("batch-size"), help: "Transactions per database transaction.") var batchSize = 10_000
    @Option(help: "Client wallets the deposits spread over.") var clients = 10_000
    @Flag(help: "Print JSON only.") var json = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Runtime.logger()
        logger.logLevel = .warning
        // A fresh database unless one is named: the benchmark measures an empty ledger.
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "ledger.sqlite")
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        let ledger = try LedgerStore(db: db)
        let fsync = FsyncProbe.measure(in: url)
        let currency = Currency.usd
        let providers = (0..<5).map { LedgerAccount(kind: .pspClearing, owner: "psp-\($0)", currency: currency) }
        let wallets = (0..<clients).map { LedgerAccount(kind: .clientWallet, owner: "client-\($0)", currency: currency) }
        // Two batches in flight: the next one is built and validated while the writer
        // commits the previous one, as concurrent producers would keep it busy.
        let total = transactions
        let size = batchSize
        let clock = ContinuousClock()
        let started = clock.now
        let counts: (posted: Int, postings: Int) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            var next = 0
            var inFlight = 0
            var posted = 0
            var postings = 0
            while next < total || inFlight > 0 {
                if next < total && inFlight < 2 {
                    let range = next..<min(next + size, total)
                    next = range.upperBound
                    inFlight += 1
                    group.addTask {
                        let batch = range.map { index in
                            PostingRules.transfer(key: "bench-" + String(repeating: "0", count: max(0, 10 - String(index).count)) + String(index),
                                                  kind: "deposit", from: providers[index % providers.count],
                                                  to: wallets[(index &* 7919) % wallets.count], amount: Int64(100 + index % 100_000), at: Int64(index))
                        }
                        let outcomes = try await ledger.post(batch)
                        return (outcomes.filter { $0 == .posted }.count, batch.count * 2)
                    }
                    continue
                }
                if let (p, n) = try await group.next() {
                    posted += p
                    postings += n
                    inFlight -= 1
                }
            }
            return (posted, postings)
        }
        let elapsed = clock.now - started
        let posted = counts.posted
        let postings = counts.postings
        let integrity = try await ledger.verify()
        await db.close()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let result: [String: Any] = [
            "transactions": posted, "postings": postings, "seconds": (seconds * 1000).rounded() / 1000,
            "postings_per_second": Int(Double(postings) / max(seconds, 1e-9)), "balanced": integrity.isSound && integrity.postings == Int64(postings),
            "batch_size": batchSize, "database": db.dialect.rawValue, "fsync_per_second": fsync,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Where a benchmark writes: the named database, or a throwaway SQLite file in a
/// scratch folder that the benchmark removes when it ends.
enum BenchDatabase {
    static func resolve(_ storage: StorageOptions, file: String) throws -> (url: DatabaseURL, scratch: URL?) {
        if storage.databaseURL != nil || ProcessInfo.processInfo.environment["PIPSTACK_DATABASE_URL"] != nil {
            return (try storage.resolvedURL(), nil)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-bench-\(Tokens.randomSuffix())")
        return (.sqlite(path: folder.appendingPathComponent(file).path), folder)
    }

    static func remove(_ scratch: URL?) {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }
}

extension Tokens {
    static func randomSuffix() -> String { String(UInt64.random(in: 0 ... .max), radix: 36) }
}

/// The disk's fsync rate next to the database file: durable throughput depends on it.
/// Latency percentiles as the benchmarks print them: milliseconds to one decimal.
enum Latency {
    /// The `q` quantile of `sorted` (ascending, not empty): the value at rank ⌈q·n⌉.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return (sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * q).rounded(.up)) - 1))] * 10).rounded() / 10
    }
}

enum FsyncProbe {
    static func measure(in url: DatabaseURL) -> Int {
        // Next to the SQLite file; for PostgreSQL on the local disk (where a local server keeps its data).
        let folder = if case let .sqlite(path) = url { URL(fileURLWithPath: path).deletingLastPathComponent() } else { FileManager.default.temporaryDirectory }
        let file = folder.appendingPathComponent("fsync-probe-\(Tokens.randomSuffix())")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        guard let handle = try? FileHandle(forWritingTo: file) else { return -1 }
        defer { try? handle.close() }
        let clock = ContinuousClock()
        let started = clock.now
        var count = 0
        while clock.now - started < .milliseconds(500) {
            try? handle.write(contentsOf: Data([UInt8(count & 0xff)]))
            try? handle.synchronize()
            count += 1
        }
        return count * 2
    }
}
