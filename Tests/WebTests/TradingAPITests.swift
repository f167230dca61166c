import BrokerCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import LedgerCore
import MT5Simulator
import Money
import NIOCore
import TestSupport
import Testing
import Trading
import WebKit
import App
import Platform

/// The trading API: balance operations exactly once by their key, scopes enforced,
/// and accounts and deals readable.
@Suite struct TradingAPITests {
    @Test(arguments: TestDatabases.kinds)
    func balanceOperationsThroughTheAPIAreExactlyOnce(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let simulator = try await MT5SimulatorServer.start(.init(managerLogin: 1_000, password: TradingPagesTests.managerPassword, seed: 3, dealsPerSecond: 0))
        defer { Task { await simulator.stop() } }
        let trading = harness.services.trading
        defer { Task { await trading.platforms.disconnectAll() } }
        try await TradingPagesTests.configure(trading, simulator, leverages: [100])
        let trader = try #require(harness.users[.trader])
        let account = try await trading.provisioning.open(for: trader, typeID: "std", leverage: 100, audit: .system).record
        let finance = try #require(harness.users[.staff(.finance)])
        let writer = try await harness.services.apiKeys.create(for: finance, name: "payments", scopes: [.read, .tradingWrite], audit: .system)
        let reader = try await harness.services.apiKeys.create(for: finance, name: "reports", scopes: [.read], audit: .system)
        @Sendable func headers(_ key: String, idempotency: String? = nil) -> HTTPFields {
            var fields: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
            if let idempotency, let name = HTTPField.Name("Idempotency-Key") { fields[name] = idempotency }
            return fields
        }
        let body = #"{"server_id":"mt5_live","login":"5000","kind":"bonus","amount":"75.50","comment":"welcome bonus"}"#
        try await harness.test { client in
            let first = try await client.execute(uri: "/api/v1/trading/balance-operations", method: .post, headers: headers(writer, idempotency: "api-bonus-1"),
                                                 body: ByteBuffer(string: body))
            #expect(first.status == .accepted, "\(first.text)")
            #expect(first.text.contains("\"amount\":\"75.50\"") && first.text.contains("\"status\":\"pending\""))
            let again = try await client.execute(uri: "/api/v1/trading/balance-operations", method: .post, headers: headers(writer, idempotency: "api-bonus-1"),
                                                 body: ByteBuffer(string: body))
            #expect(again.status == .ok)
            let other = try await client.execute(uri: "/api/v1/trading/balance-operations", method: .post, headers: headers(writer, idempotency: "api-bonus-1"),
                                                 body: ByteBuffer(string: body.replacingOccurrences(of: "75.50", with: "75.51")))
            #expect(other.status == .conflict)
            let noScope = try await client.execute(uri: "/api/v1/trading/balance-operations", method: .post, headers: headers(reader, idempotency: "api-bonus-2"),
                                                   body: ByteBuffer(string: body))
            #expect(noScope.status == .forbidden)
            let badAmount = try await client.execute(uri: "/api/v1/trading/balance-operations", method: .post, headers: headers(writer, idempotency: "api-bonus-3"),
                                                     body: ByteBuffer(string: body.replacingOccurrences(of: "75.50", with: "75.505")))
            // The right shape, one decimal more than dollars have: a money rule, 422.
            #expect(badAmount.status == .unprocessableContent && badAmount.text.contains("amount"))
            let noKey = try await client.execute(uri: "/api/v1/trading/balance-operations", method: .post, headers: headers(writer), body: ByteBuffer(string: body))
            #expect(noKey.status == .badRequest && noKey.text.contains("Idempotency-Key"))

            for _ in 0..<3 { try await trading.dispatcher.runOnce() }
            let state = try await client.execute(uri: "/api/v1/trading/balance-operations/api-bonus-1", method: .get, headers: headers(reader))
            #expect(state.status == .ok && state.text.contains("\"status\":\"done\""))
            let deals = try await DealSync(serverID: "mt5_live", platform: TradingPagesTests.client(simulator), sweepPlatform: TradingPagesTests.client(simulator),
                                           store: trading.deals, settings: .init(groupMask: "*"), logger: TestDatabases.logger).syncOnce()
            #expect(deals == 1)
            let listed = try await client.execute(uri: "/api/v1/trading/accounts/mt5_live/\(account.login)/deals", method: .get, headers: headers(reader))
            #expect(listed.status == .ok && listed.text.contains("\"profit\":\"75.50000000\"") && listed.text.contains("ps:api-bonus-1"))
            let accounts = try await client.execute(uri: "/api/v1/trading/accounts", method: .get, headers: headers(reader))
            #expect(accounts.text.contains("\"login\":\"5000\"") && accounts.text.contains("\"status\":\"active\""))
        }
        let balance = try await TradingPagesTests.client(simulator).account(account.login).balance
        #expect(balance == PlatformAmount(units: 7_550_000_000))
    }
}
