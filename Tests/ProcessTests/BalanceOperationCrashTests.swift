import App
import BrokerCore
import Foundation
import Identity
import LedgerCore
import MT5Simulator
import Money
import Platform
import TestSupport
import Testing
import Trading
import Ledger

/// SIGKILL `pipstack serve` again and again while it sends a burst of balance
/// operations to a slow simulator; after a last restart every operation is done
/// exactly once, on the server (its own records) and in the ledger.
@Suite struct BalanceOperationCrashTests {
    static let secret = "balance-crash-secret-key-0123456789abc"

    @Test(arguments: TestDatabases.kinds)
    func killedDuringABurstAppliesEachOperationOnce(kind: String) async throws {
        let password = "Crash#Mt5Pass1"
        // 15 ms per answer: the burst takes seconds, so the kills land in the middle of it.
        let simulator = try await MT5SimulatorServer.start(.init(port: 0, managerLogin: 1_000, password: password, seed: 9, dealsPerSecond: 0,
                                                                 faults: SimulatorFaults(latencyMilliseconds: 15)))
        defer { Task { await simulator.stop() } }
        let url = try await TestDatabases.url(kind)
        let setup = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        try await MigrationRunner().migrate(setup)
        let clock = SystemClock()
        let ledger = try LedgerStore(db: setup, clock: clock)
        let trading = try TradingServices(db: setup, ledger: ledger, secretKey: Self.secret, clock: clock, logger: TestDatabases.logger)
        try await trading.servers.save(TradeServerConfig(id: "mt5_crash", name: "Crash", environment: .live,
                                                         endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                                                         managerLogin: 1_000, password: password, logins: 9_000...9_099), audit: .system)
        try await trading.types.save(AccountType(id: "std", serverID: "mt5_crash", name: "Standard", kind: .standard, group: "real\\standard",
                                                 currency: .usd, leverageOptions: [100]), audit: .system)
        let identity = IdentityService(db: setup, clock: clock, secretBox: SecretBox(secretKey: Self.secret), bcryptCost: 4)
        let trader = try await identity.createUser(kind: .trader, email: "burst@example.test", password: "correct horse battery",
                                                   displayName: "Burst Trader", brandID: "brand_test", audit: .system)
        _ = try await ledger.post(PostingRules.deposit(key: "fund", client: trader.id.rawValue, provider: "bank",
                                                       amount: Money(minorUnits: 100_000_000, currency: .usd), at: 0))
        var accounts: [TradingAccountRecord] = []
        for _ in 0..<4 { accounts.append(try await trading.provisioning.open(for: trader, typeID: "std", leverage: 100, audit: .system).record) }
        // The burst: 160 operations, deposits and bonuses, of varied amounts.
        var expected: [TradingLogin: Int64] = [:]
        var deposits: Int64 = 0
        for index in 0..<160 {
            let account = accounts[index % accounts.count]
            let kind: BalanceOperation.Kind = index % 4 == 3 ? .bonus : .deposit
            let amount = Int64(1_000 + index * 37)
            _ = try await trading.operations.request(BalanceOperationRequest(id: "burst-\(index)", serverID: "mt5_crash", login: account.login, kind: kind,
                                                                             amount: Money(minorUnits: amount, currency: .usd), walletOwner: trader.id.rawValue),
                                                     for: account, audit: .system)
            expected[account.login, default: 0] += amount
            if kind == .deposit { deposits += amount }
        }
        await trading.platforms.disconnectAll()
        await setup.close()

        let arguments = ["serve", "--database-url", DatabaseURLText.of(url), "--port", "0", "--host", "127.0.0.1", "--insecure-cookies",
                         "--data-dir", TestDatabases.temporaryDirectory().path]
        let environment = ["PIPSTACK_SECRET_KEY": Self.secret, "PIPSTACK_2FA_ROLES": "none", "PIPSTACK_BALANCE_OPERATION_LEASE_SECONDS": "1"]
        try await PipstackProcess.killRepeatedly(arguments, environment: environment)
        let db = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        defer { Task { await db.close() } }
        let operations = BalanceOperationStore(db: db, clock: clock)
        // The kills interrupted the burst: some operations were still to do.
        let doneBeforeFinal = try await operations.list(status: .done, limit: 1_000).count
        #expect(doneBeforeFinal < 160, "the burst finished before the last kill; nothing was interrupted")
        let final = try PipstackProcess(arguments, environment: environment)
        _ = try await final.listeningPort()
        for _ in 0..<600 {
            let unfinished = try await operations.list(limit: 1_000).filter { $0.status == .pending || $0.status == .sending }
            if unfinished.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await final.terminate()

        let all = try await operations.list(limit: 1_000)
        #expect(all.count == 160 && all.allSatisfy { $0.status == .done }, "\(all.filter { $0.status != .done }.map { "\($0.id) \($0.status) \($0.lastError)" })")
        // The simulator's own records: one deal per operation, and the balances the operations add up to.
        let client = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                                                    managerLogin: 1_000, password: password))
        defer { Task { await client.disconnect() } }
        var dealsPerOperation: [String: Int] = [:]
        for account in accounts {
            for deal in simulator.deals(login: account.login) where deal.comment.hasPrefix("ps:burst-") {
                dealsPerOperation[String(deal.comment.dropFirst(3)), default: 0] += 1
            }
            let state = try await client.account(account.login)
            #expect(state.balance.money(in: .usd)?.minorUnits == expected[account.login])
        }
        #expect(dealsPerOperation.count == 160 && dealsPerOperation.values.allSatisfy { $0 == 1 },
                "doubled: \(dealsPerOperation.filter { $0.value > 1 }.keys.sorted())")
        let books = try LedgerStore(db: db, clock: clock)
        for account in accounts {
            #expect(try await books.balance(of: TradingPostingRules.mirror(serverID: "mt5_crash", login: account.login, currency: .usd)) == expected[account.login])
        }
        #expect(try await books.balance(of: LedgerAccount(kind: .clientWallet, owner: trader.id.rawValue, currency: .usd)) == 100_000_000 - deposits)
        #expect(try await books.verify().isSound)
    }
}
