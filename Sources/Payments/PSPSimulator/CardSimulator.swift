import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Payments

/// A card acquirer in Stripe's shape, run in-process for tests and the demo: the
/// PaymentIntents API (secret-key bearer auth, idempotency keys), a hosted checkout
/// page with a 3-D Secure step, and events in Stripe's envelope delivered to the
/// webhook endpoint, signed with `Stripe-Signature` under the `whsec_` secret.
///
/// Test cards, as Stripe's: 4242 4242 4242 4242 is approved, 4000 0027 6000 3184 asks
/// for 3-D Secure, 4000 0000 0000 0002 is declined.
public final class CardSimulator: Sendable {
    public struct Options: Sendable {
        public var apiKey: String
        public var webhookSecret: String
        /// Where events are delivered (Pipstack's `/webhooks/psp/{provider}`); settable later.
        public var webhookURL: String
        public init(apiKey: String = "sk_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())",
                    webhookSecret: String = "whsec_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())",
                    webhookURL: String = "") {
            self.apiKey = apiKey
            self.webhookSecret = webhookSecret
            self.webhookURL = webhookURL
        }
    }

    public let options: Options
    public let baseURL: String
    let book: CardSimulatorBook
    private let endpoint: NIOLockedValueBox<String>
    private let task: Task<Void, any Error>
    private let http: HTTPClient

    private init(options: Options, baseURL: String, book: CardSimulatorBook, endpoint: NIOLockedValueBox<String>, task: Task<Void, any Error>, http: HTTPClient) {
        self.options = options
        self.baseURL = baseURL
        self.book = book
        self.endpoint = endpoint
        self.task = task
        self.http = http
    }

    /// Starts the simulator on a free loopback port.
    public static func start(_ options: Options = Options(), port: Int = 0) async throws -> CardSimulator {
        let book = CardSimulatorBook()
        let endpoint = NIOLockedValueBox(options.webhookURL)
        let bound = AsyncStream<Int>.makeStream()
        let http = HTTPClient.shared
        let base = NIOLockedValueBox("")
        let router = Router()
        CardSimulatorRoutes(book: book, options: options, base: base, deliver: { body, id in
            await Self.deliver(body, eventID: id, to: endpoint.withLockedValue { $0 }, secret: options.webhookSecret, http: http)
        }).register(router)
        var logger = Logger(label: "pipstack.psp-simulator")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "card-simulator"),
                              onServerRunning: { channel in bound.continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService() }
        var iterator = bound.stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { task.cancel(); throw CancellationError() }
        let url = "http://127.0.0.1:\(port)"
        base.withLockedValue { $0 = url }
        return CardSimulator(options: options, baseURL: url, book: book, endpoint: endpoint, task: task, http: http)
    }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Where events go from now on.
    public func setWebhookURL(_ url: String) { endpoint.withLockedValue { $0 = url } }

    /// From now on events are raised but never delivered (a webhook lost on the way).
    public func loseWebhooks() { endpoint.withLockedValue { $0 = Self.lost } }
    static let lost = "lost:"

    /// The events raised so far, oldest first.
    public var eventIDs: [String] { book.locked { book.events.map(\.id) } }

    /// Delivers an event again, freshly signed, as the provider does when it retries.
    @discardableResult
    public func redeliver(_ eventID: String) async -> Int? {
        guard let body = book.event(eventID) else { return nil }
        return await Self.deliver(body, eventID: eventID, to: endpoint.withLockedValue { $0 }, secret: options.webhookSecret, http: http, attempts: 1)
    }

    /// The client's bank disputes a deposit's payment: `charge.dispute.created`, as a chargeback starts.
    @discardableResult
    public func dispute(deposit: String) async -> Bool {
        guard let intent = book.intent(ofDeposit: deposit), let disputed = book.settle(intent.id, refund: false) else { return false }
        let id = book.nextID("evt")
        let body = CardSimulatorJSON.bytes(CardSimulatorJSON.event(id: id, type: "charge.dispute.created", object: CardSimulatorJSON.dispute(disputed, id: book.nextID("dp")),
                                                                   created: Int64(Date().timeIntervalSince1970)))
        book.record(event: id, body: body)
        _ = await Self.deliver(body, eventID: id, to: endpoint.withLockedValue { $0 }, secret: options.webhookSecret, http: http)
        return true
    }

    /// The amount each deposit's succeeded intent took, by deposit id: the provider's own record.
    public var succeeded: [String: Int64] { book.succeededAmount }

    /// POSTs `body` signed now; retried with backoff until a 2xx, up to `attempts`. Returns the last status.
    static func deliver(_ body: [UInt8], eventID: String, to url: String, secret: String, http: HTTPClient, attempts: Int = 5) async -> Int? {
        guard !url.isEmpty, url != Self.lost else { return nil }
        var status: Int?
        for attempt in 0..<attempts {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.headers.add(name: StripeSignature.header, value: StripeSignature.sign(body, secret: secret, timestamp: Int64(Date().timeIntervalSince1970)))
            request.body = .bytes(ByteBuffer(bytes: body))
            if let response = try? await http.execute(request, timeout: .seconds(10)) {
                status = Int(response.status.code)
                _ = try? await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(Int(response.status.code)) { return status }
            }
            try? await Task.sleep(for: .milliseconds(100 << attempt))
        }
        return status
    }
}
