import BrokerCore
import Money
import Trading

/// The deals the benchmarks store: positions open in one block of 1,000 deals and close
/// in the next, so half the deals are closings whose opening deal the pipeline looks up
/// (for hold-time rules); account, symbol and volume drawn from the position's seed.
enum BenchDeals {
    /// Stores `count` deals on `serverID` in batches of 50,000 (logins `firstLogin` up to
    /// `firstLogin + accounts - 1`), the deal at `index` happening at `time(index)`.
    static func store(_ count: Int, into store: DealStore, serverID: ServerID, firstLogin: UInt64, accounts: Int, symbols: [String],
                      time: (Int) -> Int64, progress: ((Int) -> Void)? = nil) async throws {
        var stored = 0
        while stored < count {
            let size = min(50_000, count - stored)
            let chunk = (0..<size).map { offset -> TradeDeal in
                let index = stored + offset
                let block = index / 1_000
                let position = UInt64((block / 2) * 1_000 + index % 1_000 + 1)
                var random = SeededRandom(seed: position)
                return TradeDeal(ticket: UInt64(index + 1), login: TradingLogin(firstLogin + UInt64(random.next(below: accounts))), positionID: position,
                                 action: block % 2 == 0 ? .buy : .sell, entry: block % 2 == 0 ? .entryIn : .entryOut,
                                 reason: 0, symbol: symbols[random.next(below: symbols.count)], time: time(index),
                                 price: Price(points: 108_000 + Int64(block % 2) * 25, digits: 5),
                                 volume: Volume(units: Int64(1 + random.next(below: 200)) * 1_000_000), contractSize: 100_000, profit: .zero)
            }
            try await store.store(DealSyncBatch(serverID: serverID, deals: chunk, cursorTime: 0))
            stored += size
            progress?(stored)
        }
    }
}
