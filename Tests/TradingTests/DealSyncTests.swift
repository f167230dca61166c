import BrokerCore
import Foundation
import MT5Simulator
import Money
import TestSupport
import Testing
import Trading
import Platform

/// Deals from the simulator into the database: once each, with the cursor, through
/// restarts, skewed clocks, oversized answers and broken servers.
@Suite struct DealSyncTests {
    /// Funded accounts in every group the traders use.
    static func fundedAccounts(_ mt5: MT5Harness, count: Int = 4) async throws -> [TradingLogin] {
        var logins: [TradingLogin] = []
        for index in 0..<count {
            let groups = ["real\\standard", "real\\ecn", "real\\cent", "real\\islamic"]
            let login = try await mt5.client.createAccount(MT5Harness.newAccount("sync-\(index)", group: groups[index % groups.count])).login
            _ = try await mt5.client.balanceOperation(BalanceOperation(operationID: "fund-\(index)", login: login, kind: .deposit,
                                                                        amount: MT5Harness.usd("100000")))
            logins.append(login)
        }
        return logins
    }

    /// The server's symbols are kept with the folder MT5 files each in, read over the
    /// real wire; reading them again changes nothing until the server's answer changes.
    @Test(arguments: TestDatabases.kinds)
    func keepsTheServersSymbolsWithTheirFolders(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let sync = DealSync(serverID: "mt5-live", platform: mt5.client, store: try DealStore(db: db))
        let first = try await sync.refreshSymbols()
        #expect(first >= 25)
        let paths = try await SymbolDirectory(db: db).paths()
        #expect(paths["XTIUSD"] == "Energies\\XTIUSD" && paths["XNGUSD"] == "Energies\\XNGUSD" && paths["EURUSD"] == "Forex\\Majors\\EURUSD")
        let generation = try await db.read { sql in try await SymbolDirectory.generation(on: sql) }
        #expect(try await sync.refreshSymbols() == 0, "an unchanged answer writes nothing")
        #expect(try await db.read { sql in try await SymbolDirectory.generation(on: sql) } == generation)
    }

    @Test(arguments: TestDatabases.kinds)
    func storesEveryDealOnceAndPublishesThemInOrder(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let logins = try await Self.fundedAccounts(mt5)
        mt5.server.trade(deals: 400)
        let store = try DealStore(db: db)
        let sync = DealSync(serverID: "mt5-live", platform: mt5.client, store: store)
        #expect(try await sync.syncOnce() == mt5.server.dealCount)
        #expect(try await sync.syncOnce() == 0)
        #expect(try await sync.syncOnce(sweep: true) == 0)
        #expect(try await store.count(serverID: "mt5-live") == Int64(mt5.server.dealCount))

        // A new sync (a restart) carries on from the stored cursor.
        mt5.server.trade(deals: 150)
        let restarted = DealSync(serverID: "mt5-live", platform: mt5.client, store: store)
        #expect(try await restarted.syncOnce() == 150)

        // Stored deals are the server's, field for field (times travel in milliseconds).
        for login in logins {
            let stored = try await store.deals(serverID: "mt5-live", login: login, limit: 10_000).sorted { $0.ticket < $1.ticket }
            let truth = mt5.server.deals(login: login).map { deal -> TradeDeal in
                var copy = deal
                copy.time = deal.time / 1_000 * 1_000
                return copy
            }
            let same = stored == truth
            #expect(same, "login \(login): \(stored.count) stored, \(truth.count) on the server")
        }
        // Trades carry the market's spread at execution (what news-spike damping reads).
        let stored = try await store.feed(after: 0, limit: 10_000).map(\.deal)
        #expect(stored.filter { $0.action == .buy || $0.action == .sell }.allSatisfy { $0.marketSpreadPoints > 0 })
        #expect(stored.filter { $0.action == .balance }.allSatisfy { $0.marketSpreadPoints == 0 })
        // The feed carries every deal once, in storage order.
        let feed = try await store.feed(after: 0, limit: 10_000)
        #expect(feed.count == mt5.server.dealCount)
        #expect(zip(feed, feed.dropFirst()).allSatisfy { $0.seq < $1.seq })
        #expect(Set(feed.map(\.deal.ticket)).count == feed.count)
        let state = try #require(try await store.syncState(of: "mt5-live"))
        #expect(state.dealsStored == Int64(mt5.server.dealCount) && state.lastError.isEmpty)

        // Re-reading a range stores nothing twice and leaves the cursor where it was.
        #expect(try await sync.resync(from: state.cursorTime - 86_400, to: state.cursorTime) == 0)
        #expect(try await store.syncState(of: "mt5-live")?.cursorTime == state.cursorTime)

        // A dealer deletes two trades on the server: a re-sync stores them again as
        // cancelled (new versions the commission pipeline reverses), once.
        let trades = feed.map(\.deal).filter { $0.action == .buy || $0.action == .sell }
        let victims = [trades[3], trades[trades.count / 2]]
        for deal in victims { #expect(mt5.server.deleteDeal(ticket: deal.ticket)) }
        #expect(try await sync.resync(from: state.cursorTime - 86_400, to: state.cursorTime) == 2)
        for deal in victims {
            let stored = try #require(try await store.deals(serverID: "mt5-live", login: deal.login, limit: 10_000).first { $0.ticket == deal.ticket })
            #expect(stored.action == (deal.action == .buy ? .buyCanceled : .sellCanceled) && stored.comment == "deleted on the trade server")
        }
        let revised = try await store.feed(after: feed.last?.seq ?? 0, limit: 100)
        #expect(Set(revised.map(\.deal.ticket)) == Set(victims.map(\.ticket)) && revised.allSatisfy { $0.replaces != 0 })
        #expect(try await sync.resync(from: state.cursorTime - 86_400, to: state.cursorTime) == 0, "found once")
    }

    @Test(arguments: TestDatabases.kinds)
    func followsTheServersClockNotOurs(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        // The server's clock is two hours behind (or its time zone set wrong).
        let mt5 = try await MT5Harness.start(clockSkewSeconds: -7_200)
        defer { Task { await mt5.stop() } }
        _ = try await Self.fundedAccounts(mt5, count: 2)
        let store = try DealStore(db: db)
        let sync = DealSync(serverID: "skewed", platform: mt5.client, store: store, settings: .init(initialLookbackSeconds: 60))
        _ = try await sync.syncOnce()
        mt5.server.trade(deals: 100)
        _ = try await sync.syncOnce()
        #expect(try await store.count(serverID: "skewed") == Int64(mt5.server.dealCount))
    }

    @Test func splitsWindowsWhoseAnswersAreTooLarge() async throws {
        let db = try await TestDatabases.make("sqlite")
        defer { Task { await db.close() } }
        let mt5 = try await MT5Harness.start(maxRecordsPerAnswer: 60)
        defer { Task { await mt5.stop() } }
        _ = try await Self.fundedAccounts(mt5, count: 2)
        for _ in 0..<3 {
            mt5.server.trade(deals: 45)
            try await Task.sleep(for: .milliseconds(1_050))
        }
        let store = try DealStore(db: db)
        let sync = DealSync(serverID: "big", platform: mt5.client, store: store, settings: .init(initialLookbackSeconds: 30))
        #expect(try await sync.syncOnce() == mt5.server.dealCount)
    }

    /// More deals in one second than one answer may carry: the second is read by
    /// the group's logins, in chunks halved until they fit, and nothing is lost.
    @Test func readsASecondTooDenseForOneAnswerByLogins() async throws {
        let db = try await TestDatabases.make("sqlite")
        defer { Task { await db.close() } }
        let mt5 = try await MT5Harness.start(maxRecordsPerAnswer: 25)
        defer { Task { await mt5.stop() } }
        let logins = try await Self.fundedAccounts(mt5, count: 8)
        // 120 deals made at once land in the same second or two, over eight accounts.
        mt5.server.trade(deals: 120)
        let store = try DealStore(db: db)
        let sync = DealSync(serverID: "dense", platform: mt5.client, store: store, settings: .init(groupMask: "real\\*", initialLookbackSeconds: 30))
        #expect(try await sync.syncOnce() == mt5.server.dealCount)
        let stored = try await store.feed(after: 0, limit: 10_000)
        let truth = logins.flatMap { mt5.server.deals(login: $0) }
        #expect(Set(stored.map(\.deal.ticket)) == Set(truth.map(\.ticket)) && stored.count == truth.count)
        #expect(try await mt5.client.logins(groupMask: "real\\*").count == 8)
        #expect(try await mt5.client.logins(groupMask: "demo\\*").isEmpty)
    }

    /// One server answering garbage does not hold up another: each sync records its
    /// own state, and the broken one's error is there for the back office.
    @Test(arguments: TestDatabases.kinds)
    func aBrokenServerDoesNotStopTheOthers(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let healthy = try await MT5Harness.start(seed: 1)
        let broken = try await MT5Harness.start(seed: 2)
        defer { Task { await healthy.stop(); await broken.stop() } }
        _ = try await Self.fundedAccounts(healthy, count: 2)
        _ = try await Self.fundedAccounts(broken, count: 2)
        healthy.server.trade(deals: 80)
        broken.server.trade(deals: 80)
        broken.server.setFaults(SimulatorFaults(corruptRate: 1))
        let store = try DealStore(db: db)
        let settings = DealSync.Settings(initialLookbackSeconds: 60, pollInterval: .milliseconds(50))
        let syncs = [DealSync(serverID: "healthy", platform: healthy.client, store: store, settings: settings),
                     DealSync(serverID: "broken", platform: broken.client, store: store, settings: settings)]
        let tasks = syncs.map { sync in Task { await sync.run() } }
        for _ in 0..<300 {
            if try await store.count(serverID: "healthy") == Int64(healthy.server.dealCount),
               let state = try await store.syncState(of: "broken"), !state.lastError.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        tasks.forEach { $0.cancel() }
        #expect(try await store.count(serverID: "healthy") == Int64(healthy.server.dealCount))
        #expect(try await store.count(serverID: "broken") == 0)
        let error = try #require(try await store.syncState(of: "broken")?.lastError)
        #expect(error.contains("malformed answer"))
    }
}
