import App
import BrokerCore
import Foundation
import Identity
import MT5Simulator
import Platform
import TestSupport
import Testing
import Trading

/// SIGKILL `pipstack serve` again and again while it syncs deals from a trading
/// simulator; after a last restart every deal the simulator made is stored, once.
@Suite struct DealSyncCrashTests {
    static let secret = "deal-sync-crash-secret-key-0123456789"

    @Test(arguments: TestDatabases.kinds)
    func killedDuringDealSyncMissesAndDoublesNothing(kind: String) async throws {
        let password = "Crash#Mt5Pass1"
        let simulator = try await MT5SimulatorServer.start(.init(port: 0, managerLogin: 1_000, password: password, seed: 5, dealsPerSecond: 400))
        defer { Task { await simulator.stop() } }
        _ = try simulator.createFundedAccounts(10, balance: 100_000_000)

        let url = try await TestDatabases.url(kind)
        let setup = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        try await MigrationRunner().migrate(setup)
        try await TradeServerStore(db: setup, secretBox: SecretBox(secretKey: Self.secret), clock: SystemClock()).save(
            TradeServerConfig(id: "mt5_crash", name: "Crash", environment: .live,
                              endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                              managerLogin: 1_000, password: password), audit: .system)
        await setup.close()

        let arguments = ["serve", "--database-url", DatabaseURLText.of(url), "--port", "0", "--host", "127.0.0.1", "--insecure-cookies",
                         "--data-dir", TestDatabases.temporaryDirectory().path]
        let environment = ["PIPSTACK_SECRET_KEY": Self.secret, "PIPSTACK_2FA_ROLES": "none"]
        try await PipstackProcess.killRepeatedly(arguments, environment: environment, firstAfter: .milliseconds(300), step: .milliseconds(250))
        simulator.setDealsPerSecond(0)
        let made = simulator.dealCount
        let final = try PipstackProcess(arguments, environment: environment)
        _ = try await final.listeningPort()
        let db = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        for _ in 0..<300 where try await store.count(serverID: "mt5_crash") < Int64(made) {
            try await Task.sleep(for: .milliseconds(100))
        }
        await final.terminate()

        // The simulator's own records against what Pipstack stored.
        let client = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                                                    managerLogin: 1_000, password: password))
        let now = try await client.serverTime() / 1_000_000
        let truth = try await client.deals(DealQuery(scope: .groups("*"), from: now - 3_600, to: now + 60))
        await client.disconnect()
        let feed = try await store.feed(after: 0, limit: 1_000_000)
        #expect(truth.count == made)
        #expect(feed.count == made, "stored \(feed.count) of \(made)")
        #expect(Set(feed.map(\.deal.ticket)) == Set(truth.map(\.ticket)))
        #expect(Set(feed.map(\.seq)).count == feed.count)
    }
}
