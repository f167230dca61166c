import App
import BrokerCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import LedgerCore
import Money
import NIOCore
import Platform
import TestSupport
import Testing
import Ledger

/// SIGKILL `pipstack serve` in the middle of a stream of ledger writes, restart it,
/// and check that every acknowledged transaction is there, none is partial, nothing
/// is doubled and the ledger balances.
@Suite struct CrashRecoveryTests {
    static let secret = "crash-test-secret-key-0123456789abcdef"

    @Test(arguments: TestDatabases.kinds)
    func killedDuringLedgerWritesLosesNothingAcknowledged(kind: String) async throws {
        let url = try await TestDatabases.url(kind)
        let setup = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        try await MigrationRunner().migrate(setup)
        let identity = IdentityService(db: setup, clock: SystemClock(), secretBox: SecretBox(secretKey: Self.secret), bcryptCost: 4)
        let finance = try await identity.createUser(kind: .staff, email: "finance@crash.test", password: "crash test password", displayName: "F",
                                                    role: .finance, brandID: "brand_default", audit: .system)
        let key = try await ApiKeys(db: setup, clock: SystemClock()).create(for: finance, name: "crash", scopes: [.ledgerWrite, .read], audit: .system)
        await setup.close()

        let arguments = ["serve", "--database-url", DatabaseURLText.of(url), "--port", "0", "--host", "127.0.0.1", "--insecure-cookies", "--data-dir", TestDatabases.temporaryDirectory().path]
        let environment = ["PIPSTACK_SECRET_KEY": Self.secret, "PIPSTACK_2FA_ROLES": "none", "PIPSTACK_LOG_LEVEL": "info"]
        let server = try PipstackProcess(arguments, environment: environment)
        let port = try await server.listeningPort()

        let acknowledged = Acknowledgements()
        let workers = 4
        // Writers run until the server dies under them.
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        try? await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                            for n in 0..<100_000 {
                                let txKey = "crash-\(worker)-\(n)"
                                await acknowledged.sent(txKey)
                                let response = try await client.execute(Self.request(txKey, amount: Int64(n % 997 + 1), apiKey: key))
                                if response.status == .created || response.status == .ok { await acknowledged.ack(txKey) }
                            }
                        }
                    }
                }
            }
        }
        let ackDeadline = ContinuousClock.now + .seconds(120)
        while await acknowledged.ackCount < 150, ContinuousClock.now < ackDeadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await acknowledged.ackCount >= 150, "the server acknowledged too few money calls before the kill: \(server.text.suffix(2_000))")
        await server.kill()
        await writers.value
        let acked = await acknowledged.acked
        let sent = await acknowledged.all

        // Restart and replay everything that was sent, acknowledged or not.
        let restarted = try PipstackProcess(arguments, environment: environment)
        let port2 = try await restarted.listeningPort()
        try await TestClient.withClient(host: "127.0.0.1", port: port2) { client in
            for txKey in sent.sorted() {
                let parts = txKey.split(separator: "-")
                let n = Int64(parts[2]) ?? 0
                let response = try await client.execute(Self.request(txKey, amount: n % 997 + 1, apiKey: key))
                #expect(response.status == .created || response.status == .ok, "\(txKey): \(response.status)")
                if acked.contains(txKey) { #expect(response.status == .ok, "acknowledged \(txKey) was lost") }
            }
        }
        await restarted.terminate()

        let db = try await Database.open(url, logger: TestDatabases.logger, pool: TestDatabases.pool)
        let ledger = try LedgerStore(db: db)
        let integrity = try await ledger.verify()
        #expect(integrity.isSound)
        #expect(integrity.transactions == Int64(sent.count))
        #expect(integrity.postings == Int64(sent.count * 2))
        let expected = sent.reduce(Int64(0)) { total, txKey in total + (Int64(txKey.split(separator: "-")[2]) ?? 0) % 997 + 1 } * 100
        #expect(try await ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: "crash", currency: .usd)) == expected)
        await db.close()
    }

    static func request(_ key: String, amount: Int64, apiKey: String) -> TestClient.Request {
        let body = #"{"kind":"deposit","postings":[{"account":"client_wallet:crash:USD","amount":"\#(amount).00"},{"account":"psp_clearing:bank:USD","amount":"-\#(amount).00"}]}"#
        return TestClient.Request("/api/v1/ledger/transactions", method: .post,
                                  headers: [.authorization: "Bearer \(apiKey)", .contentType: "application/json", HTTPField.Name("Idempotency-Key")!: key],
                                  body: ByteBuffer(string: body))
    }
}

actor Acknowledgements {
    private(set) var acked = Set<String>()
    private(set) var all = Set<String>()
    func sent(_ key: String) { all.insert(key) }
    func ack(_ key: String) { acked.insert(key) }
    var ackCount: Int { acked.count }
}
