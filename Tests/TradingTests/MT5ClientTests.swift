import BrokerCore
import Foundation
import MT5Simulator
import Money
import Testing
@testable import Trading

/// The real client against the simulator over a real loopback socket.
@Suite struct MT5ClientTests {
    @Test func handshakeArithmeticMatchesAnIndependentComputation() {
        // Computed with Python's hashlib: md5(md5(pw.encode('utf-16-le')).digest() + b'WebAPI').
        let hash = MT5Auth.passwordHash("Manager#2026")
        #expect(MT5Auth.hex(hash) == "a1efbc374af03a678c11ee42093b3d4f")
        #expect(MT5Auth.answer(passwordHash: hash, random: MT5Auth.bytes(hex: "00112233445566778899aabbccddeeff") ?? [])
                == "0b65d9524d9eb992f1f36a1bf37cb61c")
        #expect(MT5Auth.bytes(hex: "0g") == nil && MT5Auth.bytes(hex: "abc") == nil)
    }

    @Test func authenticatesAndRefusesAWrongPassword() async throws {
        let good = try await MT5Harness.start()
        defer { Task { await good.stop() } }
        #expect(try await good.client.serverTime() > 0)
        let bad = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: good.server.port, useTLS: false),
                                                 managerLogin: MT5Harness.manager, password: "Wrong#Pass1"))
        await #expect(throws: TradingPlatformError.self) { try await bad.serverTime() }
        do { _ = try await bad.serverTime() } catch let error as TradingPlatformError {
            guard case .authenticationFailed = error else { Issue.record("expected authenticationFailed, got \(error)"); return }
        }
        let stranger = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: good.server.port, useTLS: false),
                                                      managerLogin: 999, password: MT5Harness.password))
        await #expect(throws: TradingPlatformError.self) { try await stranger.serverTime() }
    }

    /// A server that cannot prove it knows the manager password (an impostor on
    /// the server's address) is refused before any request leaves: the account it
    /// would have been told about is never created.
    @Test func refusesAServerThatFailsMutualAuthentication() async throws {
        let impostor = try await MT5Harness.start(faults: SimulatorFaults(impostor: true))
        defer { Task { await impostor.stop() } }
        do {
            _ = try await impostor.client.createAccount(MT5Harness.newAccount("never", login: 77_001))
            Issue.record("the client trusted a server that does not know the password")
        } catch let error as TradingPlatformError {
            guard case let .authenticationFailed(text) = error else { Issue.record("expected authenticationFailed, got \(error)"); return }
            #expect(text.contains("cli_rand_answer") || text.contains("server"), "\(text)")
        }
        impostor.server.setFaults(.none)
        await impostor.client.disconnect()
        do {
            _ = try await impostor.client.account(TradingLogin(77_001))
            Issue.record("the account was created through an unauthenticated server")
        } catch TradingPlatformError.notFound(_) {}
    }

    @Test func createsReadsAndUpdatesAccountsWithEveryRetcodePath() async throws {
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let client = mt5.client
        let created = try await client.createAccount(MT5Harness.newAccount("req-1"))
        #expect(created.group == "real\\standard" && created.leverage == 100 && created.enabled && created.tradingEnabled)
        #expect(created.requestID == "req-1")

        // A chosen login makes creation retry-safe: the same request returns the same account.
        let chosen = try await client.createAccount(MT5Harness.newAccount("req-2", login: 7_700_001))
        let again = try await client.createAccount(MT5Harness.newAccount("req-2", login: 7_700_001))
        #expect(chosen.login == TradingLogin(7_700_001) && again.login == chosen.login)
        await #expect(throws: TradingPlatformError.accountExists(TradingLogin(7_700_001))) {
            try await client.createAccount(MT5Harness.newAccount("req-3", login: 7_700_001))
        }
        // Leverage above the group's cap, an unknown group: invalid parameters (retcode 3).
        await #expect(throws: TradingPlatformError.self) { try await client.createAccount(MT5Harness.newAccount("req-4", leverage: 2_000)) }
        do { _ = try await client.createAccount(MT5Harness.newAccount("req-5", group: "real\\nope")) } catch let error as TradingPlatformError {
            guard case .invalidParameters = error else { Issue.record("expected invalidParameters, got \(error)"); return }
        }
        // Weak passwords never leave Pipstack.
        var weak = MT5Harness.newAccount("req-6")
        weak.mainPassword = "password"
        await #expect(throws: TradingPlatformError.self) { try await client.createAccount(weak) }
        // Unknown login: not found (13).
        await #expect(throws: TradingPlatformError.notFound("/api/user/get: 13 Not found")) { try await client.account(TradingLogin(42)) }

        let updated = try await client.updateAccount(created.login, TradingAccountChange(group: "real\\ecn", leverage: 300, tradingEnabled: false))
        #expect(updated.group == "real\\ecn" && updated.leverage == 300 && !updated.tradingEnabled && updated.enabled)
        let reenabled = try await client.updateAccount(created.login, TradingAccountChange(tradingEnabled: true, mainPassword: "New#Pass99"))
        #expect(reenabled.tradingEnabled)
        await #expect(throws: TradingPlatformError.self) {
            try await client.updateAccount(created.login, TradingAccountChange(group: "real\\cent"))   // another currency
        }
    }

    @Test func balanceOperationsMoveMoneyOnceAndRefuseWhatTheAccountCannotCover() async throws {
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let client = mt5.client
        let login = try await client.createAccount(MT5Harness.newAccount("bal")).login
        let deposit = try await client.balanceOperation(BalanceOperation(operationID: "dep-1", login: login, kind: .deposit, amount: MT5Harness.usd("1000.50")))
        #expect(!deposit.alreadyDone)
        _ = try await client.balanceOperation(BalanceOperation(operationID: "wd-1", login: login, kind: .withdrawal, amount: MT5Harness.usd("200")))
        _ = try await client.balanceOperation(BalanceOperation(operationID: "cr-1", login: login, kind: .creditIn, amount: MT5Harness.usd("50")))
        _ = try await client.balanceOperation(BalanceOperation(operationID: "cr-2", login: login, kind: .creditOut, amount: MT5Harness.usd("20")))
        _ = try await client.balanceOperation(BalanceOperation(operationID: "bon-1", login: login, kind: .bonus, amount: MT5Harness.usd("10")))
        _ = try await client.balanceOperation(BalanceOperation(operationID: "cor-1", login: login, kind: .correction, amount: MT5Harness.usd("-0.50")))
        _ = try await client.balanceOperation(BalanceOperation(operationID: "chg-1", login: login, kind: .charge, amount: MT5Harness.usd("5")))
        let state = try await client.account(login)
        #expect(state.balance == MT5Harness.usd("805"))      // 1000.50 - 200 + 10 - 0.50 - 5
        #expect(state.credit == MT5Harness.usd("30"))
        #expect(state.equity == MT5Harness.usd("835"))

        // More than the balance: no money (10019), and nothing moved.
        await #expect(throws: TradingPlatformError.self) {
            try await client.balanceOperation(BalanceOperation(operationID: "wd-2", login: login, kind: .withdrawal, amount: MT5Harness.usd("5000")))
        }
        do {
            _ = try await client.balanceOperation(BalanceOperation(operationID: "wd-3", login: login, kind: .withdrawal, amount: MT5Harness.usd("9999")))
        } catch let error as TradingPlatformError {
            guard case .noMoney = error else { Issue.record("expected noMoney, got \(error)"); return }
        }
        // Fractions of a cent on a USD account: invalid parameters from the server.
        await #expect(throws: TradingPlatformError.self) {
            try await client.balanceOperation(BalanceOperation(operationID: "dep-x", login: login, kind: .deposit, amount: MT5Harness.usd("0.001")))
        }
        // Ids that could not travel in a 31-character comment are refused before sending.
        await #expect(throws: TradingPlatformError.self) {
            try await client.balanceOperation(BalanceOperation(operationID: String(repeating: "a", count: 29), login: login, kind: .deposit, amount: MT5Harness.usd("1")))
        }
        #expect(try await client.account(login).balance == MT5Harness.usd("805"))

        // An operation that may have been sent before (a restart) is found, not repeated.
        let replay = try await client.balanceOperation(BalanceOperation(operationID: "dep-1", login: login, kind: .deposit,
                                                                        amount: MT5Harness.usd("1000.50"), possiblySentSince: 0))
        #expect(replay.alreadyDone && replay.dealTicket == deposit.dealTicket)
        let deals = mt5.server.deals(login: login)
        #expect(deals.filter { $0.comment == "ps:dep-1" }.count == 1)
        #expect(deals.count == 7)
    }

    @Test func readsSymbolsDealsAndPositionsOfALiveMarket() async throws {
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let client = mt5.client
        let symbols = try await client.symbols()
        #expect(symbols.count >= 25)
        let eurusd = try #require(symbols.first { $0.symbol == "EURUSD" })
        #expect(eurusd.digits == 5 && eurusd.contractSize == 100_000 * 100_000_000 && eurusd.profitCurrency == "USD")
        // MT5's Path is the folder then the symbol's own name.
        #expect(symbols.allSatisfy { $0.path.hasSuffix("\\" + $0.symbol) })
        let folders = Set(symbols.map { $0.path.split(separator: "\\").dropLast().joined(separator: "\\") })
        #expect(folders.isSuperset(of: ["Forex\\Majors", "Forex\\Minors", "Forex\\Exotics", "Metals", "Energies", "Indices", "Crypto"]))

        var logins: [TradingLogin] = []
        for (index, group) in ["real\\standard", "real\\ecn", "real\\cent"].enumerated() {
            let login = try await client.createAccount(MT5Harness.newAccount("t\(index)", group: group)).login
            _ = try await client.balanceOperation(BalanceOperation(operationID: "fund-\(index)", login: login, kind: .deposit, amount: MT5Harness.usd("100000")))
            logins.append(login)
        }
        let start = try await client.serverTime() / 1_000_000
        #expect(mt5.server.trade(deals: 300) == 300)
        let deals = try await client.deals(DealQuery(scope: .logins(logins), from: start - 5, to: start + 60))
        let trades = deals.filter(\.action.isTrade)
        #expect(trades.count == 300)
        #expect(trades.contains { $0.entry == .entryOut } && trades.contains { $0.entry == .entryIn })
        #expect(trades.allSatisfy { $0.volume.units > 0 && $0.price.points > 0 && $0.contractSize > 0 })
        // ECN accounts pay commission on both sides; the others do not.
        let ecn = trades.filter { $0.login == logins[1] }
        #expect(!ecn.isEmpty && ecn.allSatisfy { $0.commission.units < 0 })
        #expect(trades.filter { $0.login == logins[0] }.allSatisfy { $0.commission.units == 0 })
        // Each account's balance is its deposit plus every deal's profit, commission and swap.
        for login in logins {
            let mine = deals.filter { $0.login == login }
            let total = mine.reduce(Int64(0)) { $0 + $1.profit.units + $1.commission.units + $1.swap.units }
            #expect(try await client.account(login).balance.units == total)
        }
        // By group mask, the same trades.
        let byGroup = try await client.deals(DealQuery(scope: .groups("real\\*"), from: start - 5, to: start + 60))
        #expect(byGroup.filter(\.action.isTrade).count == 300)
        let excluded = try await client.deals(DealQuery(scope: .groups("real\\*,!real\\ecn"), from: start - 5, to: start + 60))
        #expect(excluded.allSatisfy { $0.login != logins[1] })

        let positions = try await client.positions(logins: logins)
        let opened = Set(trades.filter { $0.entry == .entryIn }.map(\.positionID))
        let closed = Set(trades.filter { $0.entry == .entryOut }.map(\.positionID))
        #expect(Set(positions.map(\.positionID)) == opened.subtracting(closed))
    }

    @Test func theSameSeedMakesTheSameMarketAndTheSameTrades() async throws {
        func run() async throws -> [TradeDeal] {
            let mt5 = try await MT5Harness.start(seed: 99)
            defer { Task { await mt5.stop() } }
            let login = try await mt5.client.createAccount(MT5Harness.newAccount("s", login: 6_000_001)).login
            _ = try await mt5.client.balanceOperation(BalanceOperation(operationID: "f", login: login, kind: .deposit, amount: MT5Harness.usd("50000")))
            mt5.server.trade(deals: 100)
            return mt5.server.deals(login: login).map { var deal = $0; deal.time = 0; return deal }
        }
        let first = try await run()
        let second = try await run()
        #expect(first.count == 101 && first == second)
    }

    @Test func speaksTLSWithATrustedOrExplicitlyAllowedCertificate() async throws {
        let mt5 = try await MT5Harness.start(tls: true)
        defer { Task { await mt5.stop() } }
        #expect(try await mt5.client.serverTime() > 0)
        let untrusting = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: mt5.server.port, useTLS: true),
                                                        managerLogin: MT5Harness.manager, password: MT5Harness.password, attempts: 1))
        await #expect(throws: TradingPlatformError.self) { try await untrusting.serverTime() }
        let allowing = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: mt5.server.port, useTLS: true, allowSelfSigned: true),
                                                      managerLogin: MT5Harness.manager, password: MT5Harness.password))
        #expect(try await allowing.serverTime() > 0)
        await allowing.disconnect()
    }
}
