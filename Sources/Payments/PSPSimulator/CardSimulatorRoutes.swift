import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import Payments

/// The simulator's HTTP surface: the API Pipstack calls and the pages the client sees.
struct CardSimulatorRoutes: Sendable {
    let book: CardSimulatorBook
    let options: CardSimulator.Options
    let base: NIOLockedValueBox<String>
    let deliver: @Sendable ([UInt8], String) async -> Int?

    static let approvedCard = "4242424242424242"
    static let threeDSCard = "4000002760003184"
    static let declinedCard = "4000000000000002"

    func register(_ router: Router<BasicRequestContext>) {
        router.post("/v1/payment_intents") { request, _ in try await self.create(request) }
        router.get("/v1/payment_intents/:id") { request, context in
            guard self.authorized(request) else { return Self.json(CardSimulatorJSON.error("Invalid API Key provided", type: "authentication_error"), status: .unauthorized) }
            guard let intent = self.book.intent(context.parameters.get("id") ?? "") else { return Self.json(CardSimulatorJSON.error("No such payment_intent"), status: .notFound) }
            return Self.json(CardSimulatorJSON.intent(intent, base: self.base.withLockedValue { $0 }))
        }
        router.post("/v1/payment_intents/:id/cancel") { request, context in
            guard self.authorized(request) else { return Self.json(CardSimulatorJSON.error("Invalid API Key provided", type: "authentication_error"), status: .unauthorized) }
            return await self.cancel(context.parameters.get("id") ?? "")
        }
        router.post("/v1/refunds") { request, _ in
            guard self.authorized(request) else { return Self.json(CardSimulatorJSON.error("Invalid API Key provided", type: "authentication_error"), status: .unauthorized) }
            let fields = Dictionary(FormEncoding.decode(String(buffer: try await request.body.collect(upTo: 1 << 16))), uniquingKeysWith: { first, _ in first })
            return await self.refund(fields["payment_intent"] ?? "", amount: fields["amount"].flatMap { Int64($0) })
        }
        router.get("/checkout/:id") { _, context in self.checkoutPage(context.parameters.get("id") ?? "", error: nil) }
        router.post("/checkout/:id") { request, context in try await self.pay(context.parameters.get("id") ?? "", request) }
        router.get("/checkout/:id/3ds") { _, context in self.threeDSPage(context.parameters.get("id") ?? "") }
        router.post("/checkout/:id/3ds") { request, context in try await self.authenticate(context.parameters.get("id") ?? "", request) }
    }

    func authorized(_ request: Request) -> Bool {
        request.headers[.authorization] == "Bearer \(options.apiKey)"
    }

    func create(_ request: Request) async throws -> Response {
        guard authorized(request) else { return Self.json(CardSimulatorJSON.error("Invalid API Key provided", type: "authentication_error"), status: .unauthorized) }
        let fields = Dictionary(FormEncoding.decode(String(buffer: try await request.body.collect(upTo: 1 << 16))), uniquingKeysWith: { first, _ in first })
        guard let amount = fields["amount"].flatMap({ Int64($0) }), amount > 0 else {
            return Self.json(CardSimulatorJSON.error("Missing required param: amount."), status: .badRequest)
        }
        guard let currency = fields["currency"], currency.count == 3 else { return Self.json(CardSimulatorJSON.error("Missing required param: currency."), status: .badRequest) }
        let key = HTTPField.Name("Idempotency-Key").flatMap { request.headers[$0] }
        let intent = book.create(amount: amount, currency: currency.lowercased(), depositID: fields["metadata[deposit_id]"] ?? "",
                                 returnURL: fields["return_url"] ?? "", idempotencyKey: key, now: Int64(Date().timeIntervalSince1970))
        return Self.json(CardSimulatorJSON.intent(intent, base: base.withLockedValue { $0 }))
    }

    func pay(_ id: String, _ request: Request) async throws -> Response {
        guard let intent = book.intent(id), intent.status == "requires_action" else { return checkoutPage(id, error: nil) }
        let fields = Dictionary(FormEncoding.decode(String(buffer: try await request.body.collect(upTo: 1 << 16))), uniquingKeysWith: { first, _ in first })
        let card = (fields["card"] ?? "").filter(\.isNumber)
        switch card {
        case Self.threeDSCard: return Self.redirect("/checkout/\(id)/3ds")
        case Self.declinedCard: return await finish(intent, succeeded: false)
        case Self.approvedCard: return await finish(intent, succeeded: true)
        default: return checkoutPage(id, error: "Use a test card: 4242 4242 4242 4242, 4000 0027 6000 3184 (3-D Secure) or 4000 0000 0000 0002 (declined).")
        }
    }

    func authenticate(_ id: String, _ request: Request) async throws -> Response {
        guard let intent = book.intent(id), intent.status == "requires_action" else { return checkoutPage(id, error: nil) }
        let fields = Dictionary(FormEncoding.decode(String(buffer: try await request.body.collect(upTo: 1 << 16))), uniquingKeysWith: { first, _ in first })
        return await finish(intent, succeeded: fields["result"] == "complete")
    }

    /// Ends the intent, raises its event, delivers it in the background as a provider
    /// does, and sends the client back to the merchant.
    func finish(_ intent: CardSimulatorBook.Intent, succeeded: Bool) async -> Response {
        guard let finished = book.finish(intent.id, status: succeeded ? "succeeded" : "requires_payment_method") else { return checkoutPage(intent.id, error: nil) }
        var object = CardSimulatorJSON.intent(finished, base: base.withLockedValue { $0 })
        if !succeeded { object["last_payment_error"] = ["code": "card_declined", "message": "Your card was declined."] }
        await raise(succeeded ? "payment_intent.succeeded" : "payment_intent.payment_failed", object: object)
        return Self.redirect(intent.returnURL.isEmpty ? "/checkout/\(intent.id)" : intent.returnURL)
    }

    /// Stripe cancels an intent the client has not completed, and refuses once it succeeded.
    func cancel(_ id: String) async -> Response {
        guard let intent = book.intent(id) else { return Self.json(CardSimulatorJSON.error("No such payment_intent: '\(id)'"), status: .notFound) }
        if intent.status == "canceled" { return Self.json(CardSimulatorJSON.intent(intent, base: base.withLockedValue { $0 })) }
        guard let canceled = book.finish(id, status: "canceled") else {
            return Self.json(CardSimulatorJSON.error("You cannot cancel this PaymentIntent because it has a status of \(intent.status)."), status: .badRequest)
        }
        await raise("payment_intent.canceled", object: CardSimulatorJSON.intent(canceled, base: base.withLockedValue { $0 }))
        return Self.json(CardSimulatorJSON.intent(canceled, base: base.withLockedValue { $0 }))
    }

    /// A full refund of a succeeded payment, announced with `charge.refunded`.
    func refund(_ id: String, amount: Int64?) async -> Response {
        guard let intent = book.intent(id) else { return Self.json(CardSimulatorJSON.error("No such payment_intent: '\(id)'"), status: .notFound) }
        guard amount == nil || amount == intent.amount else { return Self.json(CardSimulatorJSON.error("This simulator refunds whole payments only."), status: .badRequest) }
        guard let refunded = book.settle(id, refund: true) else {
            return Self.json(CardSimulatorJSON.error("Charge for \(id) cannot be refunded: it is \(intent.refunded ? "already refunded" : intent.status)."), status: .badRequest)
        }
        await raise("charge.refunded", object: CardSimulatorJSON.charge(refunded))
        return Self.json(["id": book.nextID("re"), "object": "refund", "amount": refunded.amount, "currency": refunded.currency,
                          "payment_intent": refunded.id, "status": "succeeded"])
    }

    /// Records an event and delivers it in the background, as a provider does.
    func raise(_ type: String, object: [String: Any]) async {
        let eventID = book.nextID("evt")
        let body = CardSimulatorJSON.bytes(CardSimulatorJSON.event(id: eventID, type: type, object: object, created: Int64(Date().timeIntervalSince1970)))
        book.record(event: eventID, body: body)
        let deliver = self.deliver
        Task { _ = await deliver(body, eventID) }
    }

    func checkoutPage(_ id: String, error: String?) -> Response {
        guard let intent = book.intent(id) else { return Self.html("<h1>Payment not found</h1>", status: .notFound) }
        let amount = "\(intent.amount / 100).\(String(format: "%02d", intent.amount % 100)) \(intent.currency.uppercased())"
        guard intent.status == "requires_action" else {
            return Self.html("<h1>Payment \(intent.status == "succeeded" ? "complete" : "not completed")</h1><p>\(amount)</p>")
        }
        return Self.html("""
            <h1>Pay \(amount)</h1>
            \(error.map { "<p role=\"alert\" class=\"error\">\(Self.escaped($0))</p>" } ?? "")
            <form method="post" action="/checkout/\(intent.id)">
              <label for="card">Card number</label><input id="card" name="card" inputmode="numeric" autocomplete="cc-number" value="4242 4242 4242 4242">
              <label for="expiry">Expiry</label><input id="expiry" name="expiry" value="12/34">
              <label for="cvc">CVC</label><input id="cvc" name="cvc" value="123">
              <button type="submit" id="pay">Pay \(amount)</button>
            </form>
            <p class="note">Test mode. 4242 4242 4242 4242 is approved; 4000 0027 6000 3184 asks for 3-D Secure; 4000 0000 0000 0002 is declined.</p>
            """)
    }

    func threeDSPage(_ id: String) -> Response {
        guard let intent = book.intent(id), intent.status == "requires_action" else { return checkoutPage(id, error: nil) }
        return Self.html("""
            <h1>3-D Secure</h1><p>Your bank asks you to confirm this payment.</p>
            <form method="post" action="/checkout/\(intent.id)/3ds">
              <button type="submit" name="result" value="complete" id="complete">Complete authentication</button>
              <button type="submit" name="result" value="fail" id="fail">Fail authentication</button>
            </form>
            """)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Card payment (simulator)</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
            label{display:block;margin-top:.75rem;font-weight:600}input{width:100%;padding:.6rem;font-size:1rem;box-sizing:border-box;border:1px solid #8a94a0;border-radius:6px}
            button{margin-top:1rem;padding:.7rem 1rem;font-size:1rem;border:0;border-radius:6px;background:#3b4ed8;color:#fff}button[value=fail]{background:#6b7280}
            .error{color:#a11}.note{color:#555;font-size:.85rem}</style></head><body><main>\(body)</main></body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: CardSimulatorJSON.bytes(object))))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
