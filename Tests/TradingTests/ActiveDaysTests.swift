import BrokerCore
import Money
import TestSupport
import Testing
import Trading
import Platform

/// The accounts that traded each day, counted as deals are stored: each account once
/// a day per server, balance operations left out, and a replayed batch changes nothing.
@Suite struct ActiveDaysTests {
    static let day = ActiveDays.dayMicros

    static func deal(_ ticket: UInt64, login: UInt64, day: Int64, action: DealAction = .buy) -> TradeDeal {
        TradeDeal(ticket: ticket, login: TradingLogin(login), action: action, entry: .entryIn, reason: 0, symbol: "EURUSD",
                  time: day * Self.day + Int64(ticket) * 1_000_000, price: Price(points: 108_345, digits: 5), volume: Volume(units: 10_000_000),
                  contractSize: 100_000, profit: .zero)
    }

    @Test(arguments: TestDatabases.kinds)
    func eachAccountCountsOnceADayAndAReplayChangesNothing(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let store = try DealStore(db: db)
        // Day 100: logins 1 and 2 trade (1 twice), login 3 only receives a deposit.
        let first = [Self.deal(1, login: 1, day: 100), Self.deal(2, login: 1, day: 100, action: .sell), Self.deal(3, login: 2, day: 100),
                     Self.deal(4, login: 3, day: 100, action: .balance)]
        // Day 101 on two servers: login 1 again, and login 1 of another server.
        let second = [Self.deal(5, login: 1, day: 101), Self.deal(6, login: 2, day: 100)]
        try await store.store(DealSyncBatch(serverID: "s1", deals: first, cursorTime: 0))
        try await store.store(DealSyncBatch(serverID: "s1", deals: second, cursorTime: 0))
        try await store.store(DealSyncBatch(serverID: "s2", deals: [Self.deal(7, login: 1, day: 101)], cursorTime: 0))
        let expected: [Int64: Int64] = [100 * Self.day: 2, 101 * Self.day: 2]
        #expect(try await store.activeAccountsPerDay(from: 0, to: 200 * Self.day) == expected)
        #expect(try await store.activeAccountsPerDay(from: 101 * Self.day, to: 102 * Self.day) == [101 * Self.day: 2])

        // Replaying every batch, in another order, counts nothing twice.
        try await store.store(DealSyncBatch(serverID: "s2", deals: [Self.deal(7, login: 1, day: 101)], cursorTime: 0))
        try await store.store(DealSyncBatch(serverID: "s1", deals: second + first, cursorTime: 0))
        #expect(try await store.activeAccountsPerDay(from: 0, to: 200 * Self.day) == expected)
    }
}
