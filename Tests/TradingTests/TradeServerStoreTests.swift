import BrokerCore
import Identity
import MT5Simulator
import SQLKit
import Platform
import TestSupport
import Testing
import Trading

@Suite struct TradeServerStoreTests {
    /// Servers round-trip, the manager password never sits in the database in the
    /// clear, and the sync service syncs every enabled server until shutdown.
    @Test(arguments: TestDatabases.kinds)
    func serversAreStoredSealedAndSynced(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        _ = try await DealSyncTests.fundedAccounts(mt5, count: 2)
        mt5.server.trade(deals: 50)
        let store = TradeServerStore(db: db, secretBox: SecretBox(secretKey: "test-secret-key-of-at-least-32-characters"), clock: SystemClock())
        let server = TradeServerConfig(id: "mt5_live", name: "MT5 Live", environment: .live,
                                       endpoint: MT5Endpoint(host: "127.0.0.1", port: mt5.server.port, useTLS: false),
                                       managerLogin: MT5Harness.manager, password: MT5Harness.password)
        try await store.save(server, audit: .system)
        #expect(try await store.all() == [server])
        let raw = try await db.read { sql in try await sql.raw("SELECT password_sealed FROM trade_servers").first()?.decode(column: "password_sealed", as: String.self) }
        #expect(raw != nil && raw?.contains(MT5Harness.password) == false)

        let deals = try DealStore(db: db)
        let service = TradingSyncService(servers: store, deals: deals, logger: TestDatabases.logger)
        let running = Task { try await service.run() }
        for _ in 0..<300 where try await deals.count(serverID: "mt5_live") < Int64(mt5.server.dealCount) {
            try await Task.sleep(for: .milliseconds(50))
        }
        running.cancel()
        #expect(try await deals.count(serverID: "mt5_live") == Int64(mt5.server.dealCount))
    }
}
