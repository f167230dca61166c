import Commissions
import Ledger
import Platform
import Synchronization
import TestSupport
import Testing
import Trading

/// A commission pipeline that meets what retrying cannot fix stops and says so,
/// instead of retrying with back-off forever.
@Suite struct PipelineStopTests {
    @Test(arguments: TestDatabases.kinds)
    func aDealNoBuildCanReadStopsThePipelineAndShowsWhyWhileTheServiceStaysUp(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        try await CommissionPipelineTests.setUp(db)
        let store = try DealStore(db: db)
        try await store.store(DealSyncBatch(serverID: "mt5", deals: CommissionPipelineTests.deals(), cursorTime: 0))
        // An action MT5 does not have: the feed cannot decode this row, now or on any retry.
        try await db.transaction { sql in try await sql.raw("UPDATE trade_deals SET action = 99 WHERE ticket = 5").run() }

        let health = PipelineHealth()
        let pipeline = try CommissionPipeline(db: db, deals: store, ledger: try LedgerStore(db: db), clock: SystemClock(),
                                              logger: TestDatabases.logger, health: health)
        let ended = Mutex(false)
        let running = Task {
            try await pipeline.run()
            ended.withLock { $0 = true }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while await health.isHealthy, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        // Stopped, not retrying, and not ending its service (which would end the whole service group).
        try await Task.sleep(for: .milliseconds(300))
        #expect(!ended.withLock { $0 })
        running.cancel()
        try await running.value
        #expect(ended.withLock { $0 })

        let stopped = await health.stopped
        #expect(stopped.map(\.pipeline) == ["commission pipeline"])
        #expect(stopped.first?.reason.contains("corrupt row in trade_deals") == true)
        // Nothing of the unreadable batch was committed: after a fix the feed resumes before it.
        #expect(try await DealFeedCursor(db: db).position(of: CommissionPipeline.consumer) == 0)
        await db.close()
    }
}
