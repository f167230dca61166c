import SQLKit
import Platform

/// Deals in the order they were stored, for one consumer.
public struct DealFeedBatch: Sendable, Equatable {
    public let deals: [FeedDeal]

    public init(deals: [FeedDeal]) { self.deals = deals }
    /// Feed position of the last deal: what the consumer records as consumed.
    public var lastSeq: Int64 { deals.last?.seq ?? 0 }
}

/// The one published interface through which synced deals reach their consumers
/// (the commission engine first). A consumer's stream starts after the position it
/// last recorded with `DealFeedCursor.advance`, which it does in the same
/// transaction as the results it derives from a batch; so after a crash the stream
/// resumes exactly where the committed results end, and nothing is missed or
/// consumed twice.
public struct DealFeed: Sendable {
    let store: DealStore
    let cursor: DealFeedCursor

    public init(store: DealStore) {
        self.store = store
        cursor = DealFeedCursor(db: store.db)
    }

    /// Batches of up to `batchSize` deals, waiting `pollInterval` whenever the feed
    /// is drained. Ends only when the consuming task is cancelled, or at the first
    /// drained moment when `endWhenDrained` (benchmarks, catch-up runs).
    public func batches(for consumer: String, batchSize: Int = 1_000, pollInterval: Duration = .milliseconds(50),
                        endWhenDrained: Bool = false) -> AsyncThrowingStream<DealFeedBatch, any Error> {
        let reader = Reader(store: store, cursor: cursor, consumer: consumer, batchSize: batchSize, pollInterval: pollInterval,
                            endWhenDrained: endWhenDrained)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    /// Reads ahead of the stored cursor: a batch is handed out once per stream.
    /// After a full batch the next one is already being read while the consumer
    /// works on this one.
    actor Reader {
        let store: DealStore
        let cursor: DealFeedCursor
        let consumer: String
        let batchSize: Int
        let pollInterval: Duration
        let endWhenDrained: Bool
        var position: Int64?
        var ahead: Task<[FeedDeal], any Error>?

        init(store: DealStore, cursor: DealFeedCursor, consumer: String, batchSize: Int, pollInterval: Duration, endWhenDrained: Bool) {
            self.store = store
            self.cursor = cursor
            self.consumer = consumer
            self.batchSize = batchSize
            self.pollInterval = pollInterval
            self.endWhenDrained = endWhenDrained
        }

        deinit { ahead?.cancel() }

        func next() async throws -> DealFeedBatch? {
            var after: Int64
            if let position { after = position } else { after = try await cursor.position(of: consumer) }
            while !Task.isCancelled {
                let deals: [FeedDeal]
                if let prefetched = ahead {
                    ahead = nil
                    deals = try await prefetched.value
                } else {
                    deals = try await store.feed(after: after, limit: batchSize)
                }
                if let last = deals.last {
                    position = last.seq
                    if deals.count == batchSize {
                        let store = store, limit = batchSize
                        ahead = Task { try await store.feed(after: last.seq, limit: limit) }
                    }
                    return DealFeedBatch(deals: deals)
                }
                position = after
                if endWhenDrained { return nil }
                try await Task.sleep(for: pollInterval)
                after = position ?? after
            }
            return nil
        }
    }
}
