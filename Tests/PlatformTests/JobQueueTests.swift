import BrokerCore
import Logging
import SQLKit
import Platform
import TestSupport
import Testing

@Suite struct JobQueueTests {
    @Test(arguments: TestDatabases.kinds)
    func deliversAtLeastOnceRetriesWithBackoffAndDeadLetters(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 1_000_000_000)
        let queue = JobQueue(db: db, clock: clock, leaseSeconds: 60)
        let now = clock.nowMicros()
        let added = try await db.transaction { sql in
            try await JobQueue.enqueue(kind: "email", payload: "{}", dedupKey: "welcome:u1", maxAttempts: 2, id: "j1", now: now, on: sql)
        }
        let again = try await db.transaction { sql in
            try await JobQueue.enqueue(kind: "email", payload: "{}", dedupKey: "welcome:u1", id: "j2", now: now, on: sql)
        }
        #expect(added && !again)

        let worker = JobWorker(queue: queue, handlers: ["email": { _ in throw StorageError.database("smtp down") }], logger: TestDatabases.logger)
        #expect(try await worker.runOnce() == 1)
        var job = try #require(try await queue.list().first)
        #expect(job.status == .pending && job.attempts == 1 && job.lastError?.contains("smtp down") == true)
        #expect(try await worker.runOnce() == 0)                // backing off
        clock.advance(seconds: 3)
        #expect(try await worker.runOnce() == 1)
        job = try #require(try await queue.list().first)
        #expect(job.status == .dead)
        #expect(try await queue.retry("j1"))
        let succeeding = JobWorker(queue: queue, handlers: ["email": { _ in }], logger: TestDatabases.logger)
        #expect(try await succeeding.runOnce() == 1)
        #expect(try await queue.list().first?.status == .done)
    }

    @Test(arguments: TestDatabases.kinds)
    func aCrashedWorkersJobIsClaimedAgainAfterItsLease(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 5_000_000)
        let queue = JobQueue(db: db, clock: clock, leaseSeconds: 30)
        let now = clock.nowMicros()
        try await db.transaction { try await JobQueue.enqueue(kind: "postback", payload: "{}", id: "p1", now: now, on: $0) }
        #expect(try await queue.claim().map(\.id) == ["p1"])   // worker dies here
        #expect(try await queue.claim().isEmpty)
        clock.advance(seconds: 31)
        #expect(try await queue.claim().map(\.id) == ["p1"])
    }
}
