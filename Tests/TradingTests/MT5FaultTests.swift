import BrokerCore
import Foundation
import MT5Simulator
import Money
import NIOCore
import Testing
import Trading

/// The simulator drops connections, answers 500, expires sessions and slows down;
/// the client recovers without losing or doubling anything.
@Suite struct MT5FaultTests {
    @Test func balanceOperationsHappenExactlyOnceThroughDropsAndServerErrors() async throws {
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let client = mt5.client
        let login = try await client.createAccount(MT5Harness.newAccount("faults")).login
        mt5.server.setFaults(SimulatorFaults(dropRate: 0.25, errorRate: 0.2))
        var expected: Int64 = 0
        var failures = 0
        for index in 0..<40 {
            let amount = MT5Harness.usd(String(index + 1))
            do {
                _ = try await client.balanceOperation(BalanceOperation(operationID: "op-\(index)", login: login, kind: .deposit, amount: amount))
            } catch {
                // Out of attempts: the outcome is unknown to the caller, who retries later with possiblySentSince.
                failures += 1
                _ = try await retryUntilDone(client, BalanceOperation(operationID: "op-\(index)", login: login, kind: .deposit,
                                                                      amount: amount, possiblySentSince: 0))
            }
            expected += amount.units
        }
        mt5.server.setFaults(.none)
        // The server's own records: every operation once, the balance their sum.
        let deals = mt5.server.deals(login: login)
        let comments = deals.map(\.comment)
        #expect(comments.count == 40 && Set(comments).count == 40, "duplicates: \(comments.count - Set(comments).count), failures: \(failures)")
        #expect(try await client.account(login).balance.units == expected)
    }

    private func retryUntilDone(_ client: MT5Client, _ operation: BalanceOperation) async throws -> BalanceOperationResult {
        for _ in 0..<20 {
            if let result = try? await client.balanceOperation(operation) { return result }
        }
        throw TradingPlatformError.unavailable("gave up")
    }

    @Test func readsAreRetriedThroughDropsAndErrorsAndSessionsAreRenewed() async throws {
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let client = mt5.client
        let login = try await client.createAccount(MT5Harness.newAccount("reads")).login
        mt5.server.setFaults(SimulatorFaults(dropRate: 0.15, errorRate: 0.15))
        for _ in 0..<30 { #expect(try await client.account(login).login == login) }
        // Sessions expire after a second: the client logs in again and carries on. (A shorter
        // life can run out between the new login and the request on a loaded machine.)
        mt5.server.setFaults(SimulatorFaults(sessionTTLMilliseconds: 1_000))
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await client.account(login).login == login)
        }
    }

    @Test func slowAnswersTimeOutCleanlyAndTheClientRecovers() async throws {
        let mt5 = try await MT5Harness.start()
        defer { Task { await mt5.stop() } }
        let login = try await mt5.client.createAccount(MT5Harness.newAccount("slow")).login
        // Timeouts of a second against latencies well above or below it, so that a
        // loaded machine cannot blur which side of the timeout an answer falls.
        let client = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: mt5.server.port, useTLS: false),
                                                    managerLogin: MT5Harness.manager, password: MT5Harness.password,
                                                    requestTimeout: .seconds(1), attempts: 2))
        defer { Task { await client.disconnect() } }
        _ = try await client.serverTime()
        mt5.server.setFaults(SimulatorFaults(latencyMilliseconds: 1_500))
        await #expect(throws: TradingPlatformError.self) { try await client.account(login) }
        mt5.server.setFaults(SimulatorFaults(latencyMilliseconds: 50))
        #expect(try await client.account(login).login == login)
        // A deposit whose answer came too late is found on the server, not sent twice. A
        // second client with a 1 s timeout (ample for the request to leave, however busy
        // the machine) and one attempt gives up as a crashed caller would.
        let impatient = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: mt5.server.port, useTLS: false),
                                                       managerLogin: MT5Harness.manager, password: MT5Harness.password,
                                                       requestTimeout: .seconds(1), attempts: 1))
        _ = try await impatient.serverTime()
        mt5.server.setFaults(SimulatorFaults(latencyMilliseconds: 1_500))
        let operation = BalanceOperation(operationID: "late", login: login, kind: .deposit, amount: MT5Harness.usd("25"))
        _ = try? await impatient.balanceOperation(operation)
        await impatient.disconnect()
        mt5.server.setFaults(.none)
        var retried = operation
        retried.possiblySentSince = 0
        let result = try await client.balanceOperation(retried)
        #expect(result.alreadyDone)
        #expect(mt5.server.deals(login: login).filter { $0.comment == "ps:late" }.count == 1)
        #expect(try await client.account(login).balance == MT5Harness.usd("25"))
    }
}
