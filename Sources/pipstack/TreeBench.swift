import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Partners
import Platform

/// The partner tree at scale through the real store (closure table, audit trail):
/// how fast partners are created, how long a subtree takes to read from the top
/// and from the middle, and how long moving a large subtree takes.
struct TreeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree", abstract: "Build a partner tree and time subtree reads and a subtree move.")

    @Option(help: "Partners in the tree.") var partners = 20_000
    @Option(help: "Levels below the top.") var depth = 8
    @Option(help: "Subtree reads to time per node.") var reads = 50
    @Flag(help: "Print JSON only.") var json = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Runtime.logger()
        logger.logLevel = .warning
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "tree.sqlite")
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        let store = PartnerStore(db: db, clock: SystemClock())
        let audit = AuditContext(actor: "bench")
        // Breadth first, each node with `branching` children, so the tree is `depth` levels deep.
        let branching = max(2, Int((pow(Double(partners), 1 / Double(max(1, depth)))).rounded(.up)))
        let clock = ContinuousClock()
        let created = clock.now
        for index in 0..<partners {
            let parent: PartnerID? = index == 0 ? nil : "p\((index - 1) / branching)"
            try await store.create(Partner(id: "p\(index)", name: "Partner \(index)"), parent: parent, from: 0, audit: audit)
        }
        let createSeconds = Self.seconds(clock.now - created)
        let levels = try await store.subtree(of: "p0").map(\.depth).max() ?? 0
        // A node in the middle: the first child's first child.
        let middle: PartnerID = "p\(1 * branching + 1)"
        func time(_ id: PartnerID) async throws -> (p50: Double, p99: Double, size: Int) {
            var samples: [Double] = []
            var size = 0
            for _ in 0..<reads {
                let started = clock.now
                size = try await store.subtree(of: id).count
                samples.append(Self.seconds(clock.now - started) * 1_000)
            }
            samples.sort()
            return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)], size)
        }
        let top = try await time("p0"), mid = try await time(middle)
        let movedSize = try await store.subtree(of: "p1").count
        let moveStarted = clock.now
        try await store.move("p1", to: "p2", at: 1, audit: audit)
        let moveMillis = Self.seconds(clock.now - moveStarted) * 1_000
        await db.close()
        let result: [String: Any] = [
            "partners": partners, "depth": levels, "branching": branching, "database": db.dialect.rawValue,
            "create_per_second": Int(Double(partners) / max(createSeconds, 1e-9)),
            "subtree_top_size": top.size, "subtree_top_p50_ms": Self.round(top.p50), "subtree_top_p99_ms": Self.round(top.p99),
            "subtree_middle_size": mid.size, "subtree_middle_p50_ms": Self.round(mid.p50), "subtree_middle_p99_ms": Self.round(mid.p99),
            "move_subtree_size": movedSize, "move_ms": Self.round(moveMillis),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func round(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }
}
