import AsyncHTTPClient
import BrokerCore
import Clients
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import LedgerCore
import Money
import NIOCore
import Payments
import Platform
import PSPSimulator
import SQLKit
import TestSupport
import Testing

/// A card deposit end to end over real HTTP: the trader's form, the provider's hosted
/// page with 3-D Secure (the simulator, speaking Stripe's API and signing its events
/// as Stripe does), the signed webhook that alone credits the wallet, and every way a
/// delivery can go wrong.
@Suite(.serialized) struct CardDepositTests {
    /// A browser that does not follow redirects, to see where each page sends it.
    static func browser() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    }

    static func post(_ http: HTTPClient, _ url: String, _ fields: [(String, String)]) async throws -> (status: Int, location: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(fields)))
        let response = try await http.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "location") ?? "")
    }

    /// The simulator as the `card` provider, as the demo configures it.
    static func configure(_ simulator: CardSimulator, in harness: WebHarness) async throws {
        try await harness.services.payments.providers.save(PaymentProviderConfig(id: "card", kind: .card, name: "Card", apiBase: simulator.baseURL,
                                                                                 apiKey: simulator.options.apiKey, webhookSecret: simulator.options.webhookSecret),
                                                           audit: .system)
    }

    /// Waits for `condition` (the provider delivers in the background, as real ones do).
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    @Test(arguments: TestDatabases.kinds)
    func aCardDepositWith3DSecureIsCreditedOnceByTheSignedEventAlone(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let simulator = try await CardSimulator.start()
        defer { Task { await simulator.stop() } }
        let payments = harness.services.payments
        try await Self.configure(simulator, in: harness)
        let trader = try #require(harness.users[.trader])
        let session = try #require(try await harness.session(for: .trader))
        let wallet = LedgerAccount(kind: .clientWallet, owner: trader.id.rawValue, currency: .usd)
        let browser = Self.browser()
        defer { Task { try? await browser.shutdown() } }
        try await harness.test(.live) { client in
            let port = try #require(client.port)
            simulator.setWebhookURL("http://127.0.0.1:\(port)/webhooks/psp/card")
            let page = try await client.execute(uri: "/portal/deposit", method: .get, headers: [.cookie: session.cookie])
            #expect(page.status == .ok && page.text.contains("data-form=\"deposit\"") && page.text.contains("Continue to payment"))
            let fields = [("_csrf", session.csrf), ("amount", "250.00"), ("currency", "USD"), ("provider", "card"), ("idempotency_key", "dk_test_000001")]
            let started = try await client.execute(uri: "/portal/deposit", method: .post, headers: formHeaders(cookie: session.cookie), body: form(fields))
            let own = try #require(started.headers[.location])
            // The same form sent twice makes one deposit and one payment.
            let again = try await client.execute(uri: "/portal/deposit", method: .post, headers: formHeaders(cookie: session.cookie), body: form(fields))
            #expect(again.headers[.location] == own)
            let deposits = try await payments.deposits.deposits(of: trader.id)
            #expect(deposits.count == 1 && deposits.first?.state == .redirected && deposits.first?.amount == Money(minorUnits: 25_000, currency: .usd))
            let deposit = try #require(deposits.first)
            // The browser goes to the deposit's own page (a form may only send it to this site), which links on to the provider's.
            #expect(started.status == .seeOther && own == "/portal/deposits/\(deposit.id)")
            let onward = try await client.execute(uri: own, method: .get, headers: [.cookie: session.cookie])
            let checkout = deposit.redirectURL
            #expect(checkout.hasPrefix(simulator.baseURL + "/checkout/pi_") && onward.text.contains("href=\"\(checkout)\"") && onward.text.contains("Continue to the payment page"))

            // The hosted page: a card that asks for 3-D Secure, then the bank's step.
            let paid = try await Self.post(browser, checkout, [("card", "4000 0027 6000 3184"), ("expiry", "12/34"), ("cvc", "123")])
            #expect(paid.status == 303 && paid.location == "/checkout/\(deposit.providerPayment)/3ds")
            #expect(try await harness.services.ledger.balance(of: wallet) == 0, "nothing is credited before the provider says so")
            let authenticated = try await Self.post(browser, simulator.baseURL + paid.location, [("result", "complete")])
            #expect(authenticated.status == 303 && authenticated.location == "https://office.test/portal/deposits/\(deposit.id)?returned=1")

            // The signed event credits the wallet once, with the deposit event CPA reads.
            #expect(try await Self.eventually { try await payments.deposits.deposit(deposit.id)?.credited == true })
            #expect(try await harness.services.ledger.balance(of: wallet) == 25_000)
            #expect(try await harness.db.read { try await ClientEventStore.firstDeposit(of: trader.id.rawValue, on: $0) }?.amount == 25_000)
            let shown = try await client.execute(uri: "/portal/deposits/\(deposit.id)", method: .get, headers: [.cookie: session.cookie])
            #expect(shown.status == .ok && shown.text.contains("The money is in your wallet.") && shown.text.contains("Approved"))
            // Staff see it on the client's page, under the wallet.
            let admin = try #require(try await harness.session(for: .staff(.admin)))
            let profile = try await client.execute(uri: "/admin/clients/\(trader.id)?tab=wallet", method: .get, headers: [.cookie: admin.cookie])
            #expect(profile.text.contains("data-table=\"client-deposits\"") && profile.text.contains("/admin/payments/deposits/\(deposit.id)")
                    && profile.text.contains("250.00"))

            // The provider delivers the event again (a retry): nothing changes.
            let event = try #require(simulator.eventIDs.last)
            #expect(await simulator.redeliver(event) == 200)
            #expect(try await harness.services.ledger.balance(of: wallet) == 25_000)
            // A late failure for the same payment, properly signed, cannot undo the approval.
            let late = Self.event(id: "evt_late_failure", type: "payment_intent.payment_failed", intent: deposit.providerPayment, amount: 25_000)
            #expect(try await Self.deliver(client, late, secret: simulator.options.webhookSecret).status == .ok)
            #expect(try await payments.deposits.deposit(deposit.id)?.state == .approved)
            #expect(try await harness.services.ledger.balance(of: wallet) == 25_000)
            #expect(simulator.succeeded == [deposit.id.rawValue: 25_000], "Pipstack's books match the provider's")
            #expect(try await harness.services.ledger.verify().isSound)
        }
    }

    @Test func refusedAndUnknownDeliveriesAreKeptAndMoveNoMoney() async throws {
        // A clock that stands still: the budget of kept refusals does not refill during the flood below.
        let harness = try await WebHarness.make("sqlite", clock: ManualClock(micros: SystemClock().nowMicros()))
        defer { Task { await harness.db.close() } }
        let secret = "whsec_refusals"
        try await harness.services.payments.providers.save(PaymentProviderConfig(id: "card", kind: .card, name: "Card", apiBase: "http://127.0.0.1:9",
                                                                                 apiKey: "sk_test", webhookSecret: secret), audit: .system)
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            let body = Self.event(id: "evt_1", type: "payment_intent.succeeded", intent: "pi_nobody_knows", amount: 100)
            let now = Int64(Date().timeIntervalSince1970)
            let cases: [(String?, HTTPResponse.Status)] = [
                (nil, .badRequest), ("t=\(now),v1=deadbeef", .badRequest),
                (StripeSignature.sign(body, secret: "whsec_wrong", timestamp: now), .badRequest),
                (StripeSignature.sign(body, secret: secret, timestamp: now - 3_600), .badRequest),
            ]
            for (signature, status) in cases {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let signature { headers[HTTPField.Name(StripeSignature.header)!] = signature }
                let answer = try await client.execute(uri: "/webhooks/psp/card", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(answer.status == status, "\(signature ?? "no signature")")
            }
            let garbage = Array("not json".utf8)
            #expect(try await Self.deliver(client, garbage, secret: secret).status == .badRequest)
            // Properly signed, about a payment Pipstack never started: acknowledged, kept.
            let unknown = try await Self.deliver(client, body, secret: secret)
            #expect(unknown.status == .ok && String(buffer: unknown.body).contains("unknown_payment"))
            #expect(try await client.execute(uri: "/webhooks/psp/nope", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(bytes: body)).status == .notFound)
            let review = try await harness.services.payments.deposits.deliveriesForReview()
            #expect(review.filter { $0.outcome == "refused" }.count == 6 && review.filter { $0.outcome == "unknown_payment" }.count == 1)
            #expect(review.contains { $0.reason.contains("beyond 300 s") } && review.contains { $0.reason == "the Stripe-Signature header is missing" })
            let page = try await client.execute(uri: "/admin/payments/webhooks", method: .get, headers: [.cookie: admin.cookie])
            #expect(page.status == .ok && page.text.contains("Unknown payment") && page.text.contains("no v1 signature matches the body"))
            #expect(try await harness.services.ledger.summary().transactions == 0)
            // A flood of refused deliveries from one address: beyond its budget they are answered 429 and not kept.
            var throttled = 0
            for _ in 0..<70 {
                let answer = try await client.execute(uri: "/webhooks/psp/card", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: garbage))
                if answer.status == .tooManyRequests { throttled += 1 }
            }
            #expect(throttled > 0)
            // Six refusals were kept above; the budget of 60 keeps 54 more, then none while no time passes.
            #expect(throttled == 70 - 54)
            let kept = try await harness.services.payments.deposits.deliveriesForReview(limit: 1_000)
            #expect(kept.filter { $0.outcome == "refused" }.count == 60)
        }
    }

    /// A refund staff ask for, and a chargeback the client's bank starts: each takes the
    /// money back out of the wallet once; what the wallet no longer holds becomes the
    /// client's debt, never a negative wallet; a chargeback holds withdrawals.
    @Test(arguments: TestDatabases.kinds)
    func refundsAndChargebacksTakeTheMoneyBackOnce(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let simulator = try await CardSimulator.start()
        defer { Task { await simulator.stop() } }
        let payments = harness.services.payments
        let ledger = harness.services.ledger
        try await Self.configure(simulator, in: harness)
        let trader = try #require(harness.users[.trader])
        let wallet = LedgerAccount(kind: .clientWallet, owner: trader.id.rawValue, currency: .usd)
        let debt = LedgerAccount(kind: .suspense, owner: "client_debt:\(trader.id.rawValue)", currency: .usd)
        let finance = try #require(try await harness.session(for: .staff(.finance)))
        let browser = Self.browser()
        defer { Task { try? await browser.shutdown() } }
        try await harness.test(.live) { client in
            simulator.setWebhookURL("http://127.0.0.1:\(try #require(client.port))/webhooks/psp/card")
            func deposit(_ minor: Int64, _ key: String) async throws -> Deposit {
                let started = try await payments.startDeposit(userID: trader.id, provider: "card", amount: Money(minorUnits: minor, currency: .usd),
                                                              idempotencyKey: key, returnURL: { "https://office.test/portal/deposits/\($0)" }, audit: .system)
                _ = try await Self.post(browser, started.redirectURL, [("card", "4242424242424242")])
                #expect(try await Self.eventually { try await payments.deposits.deposit(started.id)?.credited == true })
                return started
            }
            /// The client moves money out of the wallet (to a trading account, say).
            func spend(_ minor: Int64, _ key: String) async throws {
                _ = try await ledger.post(PostingRules.transfer(key: key, kind: "test_transfer", from: wallet,
                                                                to: LedgerAccount(kind: .tradingAccount, owner: "mt5:1", currency: .usd), amount: minor, at: 1))
            }

            // A refund through the back office, confirmed first.
            let first = try await deposit(5_000, "refund-1")
            let page = try await client.execute(uri: "/admin/payments/deposits/\(first.id)", method: .get, headers: [.cookie: finance.cookie])
            #expect(page.text.contains("Refund in full") && page.text.contains("Refund 50.00"))
            let asked = try await client.execute(uri: "/admin/payments/deposits/\(first.id)/refund", method: .post, headers: formHeaders(cookie: finance.cookie),
                                                 body: form([("_csrf", finance.csrf)]))
            #expect(asked.status == .seeOther && asked.headers[.location] == "/admin/payments/deposits/\(first.id)?refund=requested")
            #expect(try await Self.eventually { try await payments.deposits.deposit(first.id)?.reversed == true })
            #expect(try await payments.deposits.deposit(first.id)?.state == .refunded)
            #expect(try await ledger.balance(of: wallet) == 0)
            let event = try #require(simulator.eventIDs.last)
            #expect(await simulator.redeliver(event) == 200)
            #expect(try await ledger.balance(of: wallet) == 0, "the refund's event again takes nothing more")
            let twice = try await client.execute(uri: "/admin/payments/deposits/\(first.id)/refund", method: .post, headers: formHeaders(cookie: finance.cookie),
                                                 body: form([("_csrf", finance.csrf)]))
            #expect(twice.status == .badRequest && twice.text.contains("only an approved, credited deposit can be refunded"))

            // A refund the wallet can no longer cover is refused before the provider is asked.
            let second = try await deposit(8_000, "refund-2")
            try await spend(3_000, "spend-1")
            let short = try await client.execute(uri: "/admin/payments/deposits/\(second.id)/refund", method: .post, headers: formHeaders(cookie: finance.cookie),
                                                 body: form([("_csrf", finance.csrf)]))
            #expect(short.status == .badRequest && short.text.contains("holds only 50.00 USD"))
            #expect(simulator.succeeded[second.id.rawValue] == 8_000, "nothing was refunded at the provider")

            // The bank disputes it: what the wallet holds comes back, the rest is the client's debt, withdrawals are held.
            #expect(await simulator.dispute(deposit: second.id.rawValue))
            #expect(try await Self.eventually { try await payments.deposits.deposit(second.id)?.reversed == true })
            #expect(try await payments.deposits.deposit(second.id)?.state == .chargedBack)
            #expect(try await ledger.balance(of: wallet) == 0)
            #expect(try await ledger.balance(of: debt) == -3_000)
            #expect(try await payments.credits.isHeld(trader.id))
            let held = try await client.execute(uri: "/admin/payments/deposits/\(second.id)", method: .get, headers: [.cookie: finance.cookie])
            #expect(held.text.contains("Held after a chargeback") && !held.text.contains("Refund in full"))
            // Compliance lifts the hold once the dispute is settled; finance may not.
            let compliance = try #require(try await harness.session(for: .staff(.compliance)))
            let refused = try await client.execute(uri: "/admin/payments/deposits/\(second.id)/lift-hold", method: .post, headers: formHeaders(cookie: finance.cookie),
                                                   body: form([("_csrf", finance.csrf)]))
            #expect(refused.status == .forbidden)
            let lifted = try await client.execute(uri: "/admin/payments/deposits/\(second.id)/lift-hold", method: .post, headers: formHeaders(cookie: compliance.cookie),
                                                  body: form([("_csrf", compliance.csrf)]))
            #expect(lifted.status == .seeOther)
            #expect(try await !payments.credits.isHeld(trader.id))
            let chargebacks = try await client.execute(uri: "/admin/payments/deposits?state=charged_back", method: .get, headers: [.cookie: finance.cookie])
            #expect(chargebacks.text.contains("/admin/payments/deposits/\(second.id)") && !chargebacks.text.contains("/admin/payments/deposits/\(first.id)\""))
            #expect(try await ledger.verify().isSound)
        }
    }

    static func event(id: String, type: String, intent: String, amount: Int64) -> [UInt8] {
        Array("""
            {"id":"\(id)","object":"event","type":"\(type)","created":1765000000,"data":{"object":{"id":"\(intent)","object":"payment_intent","amount":\(amount),"currency":"usd","status":"requires_payment_method"}}}
            """.utf8)
    }

    static func deliver(_ client: any TestClientProtocol, _ body: [UInt8], secret: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name(StripeSignature.header)!] = StripeSignature.sign(body, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
        return try await client.execute(uri: "/webhooks/psp/card", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }
}
