import ArgumentParser
import BrokerCore
import CommissionsCore
import Foundation
import Identity
import LedgerCore
import Partners
import SQLKit
import Platform
import Commissions
import Trading
import Ledger

/// SIGKILL `pipstack serve` again and again while its commission pipeline ingests
/// stored deals; then let it finish and check the lines against an independent
/// recomputation and the ledger against the lines.
struct CrashBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crash", abstract: "Kill the commission pipeline repeatedly during ingest; count what was lost or doubled.")

    @Option(help: "Deals to ingest.") var deals = 1_000_000
    @Option(help: "SIGKILLs during the ingest.") var kills = 20
    @Option(help: "Levels of each partner tree.") var depth = 5
    @Option(help: "Trading accounts.") var accounts = 10_000
    @Flag(help: "Print JSON only.") var json = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Runtime.logger()
        logger.logLevel = .warning
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "crash.sqlite")
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        let store = try DealStore(db: db)
        try await CommissionBenchData.setUp(db: db, store: store, deals: deals, depth: depth, accounts: accounts)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-crash-\(Tokens.randomSuffix())")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let arguments = ["serve", "--database-url", url.commandLineText, "--port", "0", "--host", "127.0.0.1", "--insecure-cookies", "--data-dir", dataDir.path]
        var environment = ProcessInfo.processInfo.environment
        environment["PIPSTACK_SECRET_KEY"] = "crash-bench-secret-key-0123456789abcdef"
        environment["PIPSTACK_2FA_ROLES"] = "none"
        environment["PIPSTACK_LOG_LEVEL"] = "error"
        var random = SeededRandom(seed: 99)
        for _ in 0..<kills {
            let child = try Self.start(executable, arguments, environment)
            try await Task.sleep(for: .milliseconds(500 + random.next(below: 1_500)))
            kill(child.processIdentifier, SIGKILL)
            while child.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        }
        let final = try Self.start(executable, arguments, environment)
        let cursor = DealFeedCursor(db: db)
        while true {
            let consumed = try await cursor.position(of: CommissionPipeline.consumer)
            let rest = try await store.feed(after: consumed, limit: 1).count
            let pending = try await CommissionPostings.pendingCount(on: db)
            if rest == 0 && pending == 0 { break }
            guard final.isRunning else { throw ValidationError("the final server stopped before it finished") }
            try await Task.sleep(for: .milliseconds(200))
        }
        final.terminate()
        while final.isRunning { try await Task.sleep(for: .milliseconds(10)) }

        // Independent recomputation over every stored deal with the plans in force.
        guard let plan = try await PlanStore(db: db, clock: SystemClock()).plans(at: 1).values.first else { throw ValidationError("no plan") }
        let report = try await CommissionSimulation(db: db, clock: SystemClock()).run(proposed: plan, from: 0, to: Int64.max / 2)
        let expected = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.partner, $0.current) })
        let reports = CommissionReports(db: db, clock: SystemClock())
        let all = try await reports.allTimeTotals()
        let stored = all.mapValues(\.amount)
        let storedLines = all.values.reduce(0) { $0 + $1.lines }
        let ledger = try LedgerStore(db: db)
        var ledgerMatches = true
        for (partner, total) in stored {
            let posted = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: partner, currency: .usd))
            if try await posted * 1_000_000 + reports.residue(of: partner, currency: .usd) != total { ledgerMatches = false }
        }
        let integrity = try await ledger.verify()
        await db.close()
        let result: [String: Any] = [
            "deals": deals, "kills": kills, "lines": storedLines, "lost": max(0, report.currentLines - storedLines),
            "doubled": max(0, storedLines - report.currentLines), "amounts_match": stored == expected, "ledger_matches_lines": ledgerMatches,
            "balanced": integrity.isSound, "database": db.dialect.rawValue,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    static func start(_ executable: URL, _ arguments: [String], _ environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
