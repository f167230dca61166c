import BrokerCore
import Clients
import Identity
import Ledger
import LedgerCore
import Money
import Payments
import Platform
import TestSupport
import Testing

/// What a review of the deposit path found, each held by a test on SQLite and
/// PostgreSQL: racing deliveries, a crash before the credited flag, partial refunds,
/// and text no column may hold.
@Suite struct DepositReviewTests {
    struct Setup {
        let db: Database
        let payments: PaymentsServices
        let ledger: LedgerStore
        let client: UserID
    }

    static func setUp(_ kind: String) async throws -> Setup {
        let db = try await TestDatabases.make(kind)
        let clock = SystemClock()
        let identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: "test-secret-key-of-at-least-32-characters"), bcryptCost: 4)
        let ledger = try LedgerStore(db: db)
        let payments = PaymentsServices(db: db, ledger: ledger, secretKey: "test-secret-key-of-at-least-32-characters", clock: clock, logger: TestDatabases.logger)
        let client = try await identity.createUser(kind: .trader, email: "review@deposits.test", password: "Review-2026-ok", displayName: "Review Client",
                                                   brandID: "brand_test", audit: .system)
        return Setup(db: db, payments: payments, ledger: ledger, client: client.id)
    }

    static func deposit(_ setup: Setup, _ index: Int, amount: Int64 = 5_000) async throws -> Deposit {
        let created = try await setup.payments.deposits.create(userID: setup.client, provider: "card", amount: Money(minorUnits: amount, currency: .usd),
                                                               idempotencyKey: "review-\(index)", audit: .system)
        try await setup.payments.deposits.redirected(created.id, providerPayment: "pi_review_\(index)", redirectURL: "")
        return try #require(try await setup.payments.deposits.deposit(created.id))
    }

    static func event(_ id: String, _ type: String, _ deposit: Deposit, amount: Int64? = nil) -> CardEvent {
        CardEvent(id: id, type: type, paymentIntent: deposit.providerPayment, amount: amount ?? deposit.amount.minorUnits, currency: "USD",
                  state: CardEvent.state(type: type))
    }

    /// An approval and a failure for the same payment, delivered at the same moment:
    /// whichever commits first, the deposit ends approved and credited once.
    @Test(arguments: TestDatabases.kinds)
    func racingDeliveriesEndApprovedAndCreditedOnce(kind: String) async throws {
        let setup = try await Self.setUp(kind)
        defer { Task { await setup.db.close() } }
        var deposits: [Deposit] = []
        for index in 0..<12 { deposits.append(try await Self.deposit(setup, index, amount: 1_000)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for deposit in deposits {
                for type in ["payment_intent.succeeded", "payment_intent.payment_failed"] {
                    group.addTask {
                        _ = try await setup.payments.deposits.apply(Self.event("evt_\(deposit.id)_\(type)", type, deposit), provider: "card", body: "{}")
                    }
                }
            }
            try await group.waitForAll()
        }
        try await setup.payments.credits.creditApproved()
        for deposit in deposits {
            let stored = try #require(try await setup.payments.deposits.deposit(deposit.id))
            #expect(stored.state == .approved && stored.credited, "\(deposit.id) ended \(stored.state)")
        }
        #expect(try await setup.ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: setup.client.rawValue, currency: .usd)) == 12_000)
        #expect(try await setup.ledger.verify().isSound)
    }

    /// The process died after the ledger posting and before the credited flag; then the
    /// bank disputed the payment. The money still comes back out.
    @Test(arguments: TestDatabases.kinds)
    func aChargebackAfterACrashBeforeTheFlagStillTakesTheMoneyBack(kind: String) async throws {
        let setup = try await Self.setUp(kind)
        defer { Task { await setup.db.close() } }
        let deposit = try await Self.deposit(setup, 1)
        #expect(try await setup.payments.deposits.apply(Self.event("evt_ok", "payment_intent.succeeded", deposit), provider: "card", body: "{}").outcome == .applied)
        _ = try await setup.ledger.post(PostingRules.deposit(key: "deposit:\(deposit.id.rawValue)", client: setup.client.rawValue, provider: "card",
                                                             amount: deposit.amount, at: 1))
        #expect(try await setup.payments.deposits.apply(Self.event("evt_dispute", "charge.dispute.created", deposit), provider: "card", body: "{}").outcome == .applied)
        #expect(try await setup.payments.credits.reverseReturned() == 1)
        let wallet = LedgerAccount(kind: .clientWallet, owner: setup.client.rawValue, currency: .usd)
        #expect(try await setup.ledger.balance(of: wallet) == 0)
        #expect(try await setup.payments.credits.isHeld(setup.client))
        #expect(try await setup.payments.credits.reverseReturned() == 0)
    }

    /// A refund of part of the payment (from the provider's own dashboard) is kept for
    /// review; it does not take the whole deposit back.
    @Test(arguments: TestDatabases.kinds)
    func aPartialRefundIsKeptForReview(kind: String) async throws {
        let setup = try await Self.setUp(kind)
        defer { Task { await setup.db.close() } }
        let deposit = try await Self.deposit(setup, 2)
        _ = try await setup.payments.deposits.apply(Self.event("evt_ok", "payment_intent.succeeded", deposit), provider: "card", body: "{}")
        try await setup.payments.credits.creditApproved()
        let body = Array("""
            {"id":"evt_partial","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge","payment_intent":"\(deposit.providerPayment)",\
            "amount":5000,"amount_refunded":2000,"currency":"usd","refunded":false}}}
            """.utf8)
        let event = try CardEvent.parse(body)
        #expect(event.amount == 2_000 && event.state == .refunded)
        #expect(try await setup.payments.deposits.apply(event, provider: "card", body: "{}").outcome == .mismatch)
        #expect(try await setup.payments.deposits.deposit(deposit.id)?.state == .approved)
        #expect(try await setup.ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: setup.client.rawValue, currency: .usd)) == 5_000)
    }

    /// Whatever an unauthenticated sender puts in a refused delivery can be kept: no NUL
    /// reaches a column, and the body is cut at 16 KB of UTF-8.
    @Test(arguments: TestDatabases.kinds)
    func anyRefusedDeliveryCanBeKept(kind: String) async throws {
        let setup = try await Self.setUp(kind)
        defer { Task { await setup.db.close() } }
        let answer = try await setup.payments.receiveWebhook(provider: "ca\u{0}rd", signature: "t=1,v1=\u{0}", body: Array("{\"a\":\"\u{0}\"}".utf8) + Array(repeating: 0xCC, count: 40_000))
        #expect(answer == .unknownProvider("no payment provider card is enabled"))
        let kept = try await setup.payments.deposits.deliveriesForReview()
        #expect(kept.count == 1 && kept.first?.provider == "card")
    }

    /// A deposit whose client event is refused (its owner is no client) is still
    /// credited, and does not hold up the deposits after it.
    @Test func aRefusedClientEventDoesNotHoldUpCrediting() async throws {
        let setup = try await Self.setUp("sqlite")
        defer { Task { await setup.db.close() } }
        let identity = IdentityService(db: setup.db, clock: SystemClock(), secretBox: SecretBox(secretKey: "test-secret-key-of-at-least-32-characters"), bcryptCost: 4)
        let partner = try await identity.createUser(kind: .partner, email: "partner@deposits.test", password: "Review-2026-ok", displayName: "Partner",
                                                    brandID: "brand_test", audit: .system)
        let odd = try await setup.payments.deposits.create(userID: partner.id, provider: "card", amount: Money(minorUnits: 3_000, currency: .usd),
                                                           idempotencyKey: "odd-1", audit: .system)
        try await setup.payments.deposits.redirected(odd.id, providerPayment: "pi_odd", redirectURL: "")
        let normal = try await Self.deposit(setup, 9)
        for (id, deposit) in [("evt_odd", try #require(try await setup.payments.deposits.deposit(odd.id))), ("evt_normal", normal)] {
            _ = try await setup.payments.deposits.apply(Self.event(id, "payment_intent.succeeded", deposit), provider: "card", body: "{}")
        }
        #expect(try await setup.payments.credits.creditApproved() == 2)
        #expect(try await setup.payments.deposits.deposit(odd.id)?.credited == true)
        #expect(try await setup.payments.deposits.deposit(normal.id)?.credited == true)
        #expect(try await setup.payments.credits.creditApproved() == 0)
    }
}
