import ArgumentParser
import BrokerCore
import Foundation
import Logging
import MT5Simulator
import SQLKit
import Trading
import Platform

/// Deal sync from a local MT5 simulator into the database: throughput of a backlog,
/// then the latency from a deal on the server to the deal stored in Pipstack at a
/// steady rate.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Sync deals from a local MT5 simulator; report deals per second and p99 latency.")

    @Option(help: "Deals in the backlog to sync.") var deals = 200_000
    @Option(help: "Deals per second during the latency phase.") var rate = 1_000.0
    @Option(name: .customLong("latency-seconds"), help: "Length of the latency phase.") var latencySeconds = 10
    @Option(help: "Trader accounts on the simulator.") var accounts = 50
    @Flag(help: "Print JSON only.") var json = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Runtime.logger()
        logger.logLevel = .warning
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "deals.sqlite")
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        let password = "Bench#Pass1"
        let server = try await MT5SimulatorServer.start(.init(port: 0, managerLogin: 1_000, password: password, seed: 42, dealsPerSecond: 0))
        // Deep pockets: the traders pay the spread on every round trip.
        _ = try server.createFundedAccounts(accounts, balance: 1_000_000_000)
        // The backlog as a busy server would have made it: 10,000 deals a second.
        var made = 0
        while made < deals {
            let step = server.trade(deals: min(10_000, deals - made))
            guard step > 0 else { throw ValidationError("the simulator's traders ran out of money") }
            made += step
            if made < deals { try await Task.sleep(for: .milliseconds(1_000)) }
        }
        let backlog = server.dealCount
        let configuration = MT5Client.Configuration(endpoint: MT5Endpoint(host: "127.0.0.1", port: server.port, useTLS: false),
                                                    managerLogin: 1_000, password: password)
        let client = MT5Client(configuration: configuration, logger: logger)
        let sweepClient = MT5Client(configuration: configuration, logger: logger)
        let store = try DealStore(db: db)
        let serverID: ServerID = "bench-mt5"
        let sync = DealSync(serverID: serverID, platform: client, sweepPlatform: sweepClient, store: store,
                            settings: .init(initialLookbackSeconds: 3_600, pollInterval: .milliseconds(100)), logger: logger)

        // Throughput: the whole backlog, from an empty database.
        let clock = ContinuousClock()
        let started = clock.now
        while try await store.count(serverID: serverID) < Int64(backlog) { try await sync.syncOnce() }
        let seconds = (clock.now - started).seconds

        // Latency, in steady state: a second server (no backlog inside the sweep
        // window) making deals at a steady rate while the sync runs.
        let live = try await MT5SimulatorServer.start(.init(port: 0, managerLogin: 1_000, password: password, seed: 43, dealsPerSecond: 0))
        _ = try live.createFundedAccounts(accounts, balance: 1_000_000_000)
        let liveConfiguration = MT5Client.Configuration(endpoint: MT5Endpoint(host: "127.0.0.1", port: live.port, useTLS: false),
                                                        managerLogin: 1_000, password: password)
        let liveClient = MT5Client(configuration: liveConfiguration, logger: logger)
        let liveSweepClient = MT5Client(configuration: liveConfiguration, logger: logger)
        let liveID: ServerID = "bench-mt5-live"
        let liveSync = DealSync(serverID: liveID, platform: liveClient, sweepPlatform: liveSweepClient, store: store,
                                settings: .init(initialLookbackSeconds: 60, pollInterval: .milliseconds(100)), logger: logger)
        try await liveSync.syncOnce()
        let phaseStart = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let running = Task { await liveSync.run() }
        live.setDealsPerSecond(rate)
        try await Task.sleep(for: .seconds(latencySeconds))
        live.setDealsPerSecond(0)
        let total = live.dealCount
        let deadline = clock.now + .seconds(30)
        while try await store.count(serverID: liveID) < Int64(total), clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        running.cancel()
        let latencies = try await DealHistory(db: db).syncLatencies(server: liveID, since: phaseStart).sorted()
        let p99 = latencies.isEmpty ? -1 : Double(latencies[min(latencies.count - 1, latencies.count * 99 / 100)]) / 1_000
        let storedBacklog = try await store.count(serverID: serverID)
        let storedLive = try await store.count(serverID: liveID)
        for client in [client, sweepClient, liveClient, liveSweepClient] { await client.disconnect() }
        await server.stop()
        await live.stop()
        await db.close()
        let result: [String: Any] = [
            "deals": backlog, "seconds": (seconds * 1_000).rounded() / 1_000, "deals_per_second": Int(Double(backlog) / max(seconds, 1e-9)),
            "p99_latency_ms": (p99 * 10).rounded() / 10, "latency_deals": latencies.count, "rate": rate,
            "all_stored_once": storedBacklog == Int64(backlog) && storedLive == Int64(total), "database": db.dialect.rawValue,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
