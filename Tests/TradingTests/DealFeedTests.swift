import BrokerCore
import Money
import SQLKit
import TestSupport
import Testing
import Trading
import Platform

/// The deal feed as its consumers see it: in storage order, resuming after the
/// position committed with their own results, new deals arriving while they wait.
@Suite struct DealFeedTests {
    static func deals(_ tickets: ClosedRange<UInt64>) -> [TradeDeal] {
        tickets.map { ticket in
            TradeDeal(ticket: ticket, login: TradingLogin(100 + ticket % 3), action: .buy, entry: .entryIn, reason: 0, symbol: "EURUSD",
                      time: Int64(ticket) * 1_000_000, price: Price(points: 108_345, digits: 5), volume: Volume(units: 10_000_000),
                      contractSize: 100_000, profit: .zero)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aConsumerResumesAfterWhatItCommitted(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        try await store.store(DealSyncBatch(serverID: "s1", deals: Self.deals(1...5), cursorTime: 5))
        let feed = DealFeed(store: store)

        // First life: takes a batch and commits it, takes the next and dies before committing.
        var committed: [UInt64] = []
        var first = feed.batches(for: "engine", batchSize: 3).makeAsyncIterator()
        let one = try #require(try await first.next())
        #expect(one.deals.map(\.deal.ticket) == [1, 2, 3])
        committed += one.deals.map(\.deal.ticket)
        try await db.transaction { sql in try await DealFeedCursor.advance("engine", to: one.lastSeq, at: 0, on: sql) }
        let lost = try #require(try await first.next())
        #expect(lost.deals.map(\.deal.ticket) == [4, 5])

        // Second life: starts with the uncommitted batch, then waits for new deals.
        let consumer = Task { () -> [UInt64] in
            var seen: [UInt64] = []
            for try await batch in feed.batches(for: "engine", batchSize: 3, pollInterval: .milliseconds(10)) {
                seen += batch.deals.map(\.deal.ticket)
                try await db.transaction { sql in try await DealFeedCursor.advance("engine", to: batch.lastSeq, at: 0, on: sql) }
                if seen.count >= 7 { return seen }
            }
            return seen
        }
        try await Task.sleep(for: .milliseconds(50))
        try await store.store(DealSyncBatch(serverID: "s2", deals: Self.deals(6...10), cursorTime: 10))
        committed += try await consumer.value
        #expect(committed == Array(1...10))
        #expect(try await DealFeedCursor(db: db).position(of: "engine") == 10)
        // Another consumer has its own position.
        var other = feed.batches(for: "reports", batchSize: 100).makeAsyncIterator()
        #expect(try await other.next()?.deals.count == 10)
    }
}
