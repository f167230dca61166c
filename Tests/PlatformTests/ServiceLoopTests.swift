import Logging
import Platform
import Synchronization
import TestSupport
import Testing

/// The one background loop: transient faults are retried with a growing back-off,
/// errors retrying cannot fix stop the loop and say so.
@Suite struct ServiceLoopTests {
    /// A transient failure that must be retried.
    struct Flaky: Error {}

    static func loop(_ health: PipelineHealth) -> ServiceLoop {
        ServiceLoop(name: "test pipeline", every: .milliseconds(1), health: health, logger: TestDatabases.logger,
                    baseBackoff: .milliseconds(1), maximumBackoff: .milliseconds(4), parkWhenStopped: false)
    }

    @Test func transientFaultsAreRetriedUntilTheWorkFinishes() async throws {
        let health = PipelineHealth()
        let rounds = Mutex(0)
        await Self.loop(health).run {
            let round = rounds.withLock { count in
                count += 1
                return count
            }
            if round <= 3 { throw Flaky() }
            return round < 6 ? .busy : .finished
        }
        #expect(rounds.withLock { $0 } == 6)
        #expect(await health.isHealthy)
    }

    @Test(arguments: [
        StorageError.brokenInvariant("3 commission lines of feed batch comm:USD:1-9 existed already"),
        StorageError.corruptRow(table: "trade_deals", row: "ticket 7", "unknown action or entry"),
        StorageError.misconfigured("no commission writer for sqlite:/x"),
    ])
    func anErrorRetryingCannotFixStopsTheLoopAtOnceAndSaysWhy(_ error: StorageError) async throws {
        let health = PipelineHealth()
        let rounds = Mutex(0)
        await Self.loop(health).run {
            rounds.withLock { $0 += 1 }
            throw error
        }
        #expect(rounds.withLock { $0 } == 1)
        let stopped = await health.stopped
        #expect(stopped.map(\.pipeline) == ["test pipeline"])
        #expect(stopped.first?.reason == error.description)
        #expect(await !health.isHealthy)
    }

    @Test func aStepsTransientFailureLetsTheOtherStepsRunButAnInvariantEndsTheRound() async throws {
        let health = PipelineHealth()
        let ran = Mutex<[String]>([])
        await Self.loop(health).run {
            let loop = Self.loop(health)
            try await loop.step("first") { ran.withLock { $0.append("first") }; throw Flaky() }
            try await loop.step("second") { ran.withLock { $0.append("second") } }
            try await loop.step("third") { throw StorageError.brokenInvariant("payout exceeds the balance") }
            try await loop.step("fourth") { ran.withLock { $0.append("fourth") } }
            return .finished
        }
        #expect(ran.withLock { $0 } == ["first", "second"])
        #expect(await health.stopped.first?.reason == "broken invariant: payout exceeds the balance")
    }

    @Test func theBackoffDoublesAndIsCapped() {
        let loop = ServiceLoop(name: "x", every: .seconds(1), logger: TestDatabases.logger)
        #expect(loop.backoff(afterFailures: 1) == .milliseconds(500))
        #expect(loop.backoff(afterFailures: 2) == .seconds(1))
        #expect(loop.backoff(afterFailures: 7) == .seconds(30))
        #expect(loop.backoff(afterFailures: 1_000) == .seconds(30))
    }

    /// In a service, a stopped loop keeps its task alive until shutdown: returning would
    /// end the whole service group, web server and other pipelines included.
    @Test func aStoppedServiceWaitsForShutdownInsteadOfEndingTheGroup() async throws {
        let health = PipelineHealth()
        let ended = Mutex(false)
        let loop = ServiceLoop(name: "parked", every: .milliseconds(1), health: health, logger: TestDatabases.logger)
        let running = Task {
            await loop.run { throw StorageError.brokenInvariant("the ledger does not balance") }
            ended.withLock { $0 = true }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while await health.isHealthy, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await !health.isHealthy)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!ended.withLock { $0 }, "a stopped service must not return while the process runs")
        running.cancel()
        await running.value
        #expect(ended.withLock { $0 })
    }
}
