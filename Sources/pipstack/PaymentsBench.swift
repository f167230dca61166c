import ArgumentParser
import BrokerCore
import Foundation
import Identity
import LedgerCore
import Money
import Logging
import Payments
import Platform
import WebKit
import App

/// `pipstack bench payments`: signed deposit webhooks sent over real HTTP to a running
/// server, each verified, deduplicated and durably applied (the deposit approved, the
/// wallet credited, the client event recorded) before its 200.
struct PaymentsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "payments",
                                                    abstract: "Signed deposit webhooks over real HTTP, each verified, deduplicated and applied before its 200.")

    @Option(help: "Webhooks to send (one approved deposit each).") var webhooks = 200_000
    @Option(help: "Concurrent connections sending them.") var concurrency = 64
    @Option(help: "Loopback port for the server.") var port = 18_492
    @Flag(help: "Print JSON only.") var json = false
    @OptionGroup var storage: StorageOptions

    static let secret = "whsec_bench_payments"
    static let amount: Int64 = 10_000

    func run() async throws {
        guard webhooks > 0, concurrency > 0 else { throw ValidationError("--webhooks and --concurrency must be positive") }
        var logger = Runtime.logger()
        logger.logLevel = ProcessInfo.processInfo.environment["PIPSTACK_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "payments.sqlite")
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        // After opening, so that the database's folder exists to probe.
        let fsync = FsyncProbe.measure(in: url)
        let clock = SystemClock()
        let brands = try await DefaultBrand.ensure(db, clock: clock, name: "Bench Markets")
        let settings = WebSettings(secureCookies: false, twoFactorRoles: [], demo: true, publicURL: "http://127.0.0.1:\(port)", bcryptCost: 4)
        let services = try AppServices(db: db, clock: clock, secretKey: "bench-" + Tokens.random(bytes: 24), brands: brands, settings: settings, logger: logger)
        try await services.payments.providers.save(PaymentProviderConfig(id: "card", kind: .card, name: "Card", apiBase: "http://127.0.0.1:9",
                                                                         apiKey: "sk_bench", webhookSecret: Self.secret), audit: .system)
        let intents = try await Self.seed(services: services, deposits: webhooks, brand: brands[0].id)

        let app = try PipstackWeb.application(services: services, host: "127.0.0.1", port: port, logger: logger)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        try await onOwnThread { try LoopbackHTTPConnection.waitUntilUp(port: port) }

        let started = ContinuousClock.now
        let senders = min(concurrency, webhooks)
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for sender in 0..<senders {
                group.addTask {
                    try await onOwnThread {
                        let connection = try LoopbackHTTPConnection(port: port)
                        var times: [Double] = []
                        for index in stride(from: sender, to: intents.count, by: senders) {
                            let body = Self.event(index: index, intent: intents[index])
                            let signature = StripeSignature.sign(body, secret: Self.secret, timestamp: Int64(Date().timeIntervalSince1970))
                            let sent = ContinuousClock.now
                            let answer = try connection.postJSON("/webhooks/psp/card", headers: [(StripeSignature.header, signature)], body: body)
                            times.append((ContinuousClock.now - sent).seconds * 1_000)
                            guard answer.status == 200, answer.body.contains("\"applied\"") else {
                                throw ValidationError("webhook \(index) answered \(answer.status): \(answer.body.prefix(200))")
                            }
                        }
                        return times
                    }
                }
            }
            var all: [Double] = []
            for try await times in group { all += times }
            return all
        }
        let seconds = (ContinuousClock.now - started).seconds
        server.cancel()
        _ = await server.result

        let credited = try await services.payments.deposits.creditedCount()
        let integrity = try await services.ledger.verify()
        await db.close()
        let sorted = latencies.sorted()
        let result: [String: Any] = [
            "webhooks": webhooks, "concurrency": senders, "seconds": (seconds * 1_000).rounded() / 1_000,
            "webhooks_per_second": Int(Double(webhooks) / max(seconds, 1e-9)), "p50_ms": Latency.percentile(sorted, 0.5),
            "p99_ms": Latency.percentile(sorted, 0.99), "balanced": integrity.isSound && credited == Int64(webhooks), "credited": credited,
            "fsync_per_second": fsync, "database": db.dialect.rawValue,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    /// One client and `deposits` deposits waiting at the provider's page, written in bulk.
    static func seed(services: AppServices, deposits: Int, brand: BrandID) async throws -> [String] {
        let client = try await services.identity.createUser(kind: .trader, email: "bench-payer@pipstack.bench", password: "Bench-payments-2026",
                                                            displayName: "Bench Payer", brandID: brand, audit: .system)
        let intents = (0..<deposits).map { "pi_bench_\($0)" }
        try await services.payments.deposits.bulkWaiting(intents.enumerated().map { (DepositID("dep_bench_\($0.offset)"), $0.element) }, userID: client.id,
                                                         provider: "card", amount: Money(minorUnits: amount, currency: .usd))
        return intents
    }

    static func event(index: Int, intent: String) -> [UInt8] {
        Array("""
            {"id":"evt_bench_\(index)","object":"event","type":"payment_intent.succeeded","created":1765000000,\
            "data":{"object":{"id":"\(intent)","object":"payment_intent","amount":\(amount),"currency":"usd","status":"succeeded"}}}
            """.utf8)
    }
}
