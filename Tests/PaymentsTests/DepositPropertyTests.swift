import BrokerCore
import Clients
import Identity
import Ledger
import LedgerCore
import Money
import Payments
import Platform
import PropertyBased
import TestSupport
import Testing

/// Random interleavings of provider events about a few deposits: approvals, failures,
/// cancellations, refunds, chargebacks, repeated deliveries, amounts that differ, and
/// crashes (the crediting step skipped). Whatever the order, each deposit ends in the
/// status the forward-only rule gives, the ledger balances, no wallet goes below zero,
/// and every deposit that ends approved is credited exactly once.
@Suite struct DepositPropertyTests {
    enum Step: Int, CaseIterable { case succeeded, failed, canceled, refunded, disputed, repeatLast, wrongAmount }

    static func type(of step: Step) -> String {
        switch step {
        case .succeeded, .wrongAmount, .repeatLast: "payment_intent.succeeded"
        case .failed: "payment_intent.payment_failed"
        case .canceled: "payment_intent.canceled"
        case .refunded: "charge.refunded"
        case .disputed: "charge.dispute.created"
        }
    }

    @Test func anyInterleavingKeepsTheBooksRight() async throws {
        let db = try await TestDatabases.make("sqlite")
        defer { Task { await db.close() } }
        let clock = SystemClock()
        let identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: "test-secret-key-of-at-least-32-characters"), bcryptCost: 4)
        let ledger = try LedgerStore(db: db)
        let payments = PaymentsServices(db: db, ledger: ledger, secretKey: "test-secret-key-of-at-least-32-characters", clock: clock, logger: TestDatabases.logger)
        var round = 0
        await propertyCheck(count: 30, input: Gen.int(in: 0..<(3 * Step.allCases.count)).array(of: 1...25), Gen.bool.array(of: 25)) { picks, credits in
            round += 1
            do {
                let client = try await identity.createUser(kind: .trader, email: "p\(round)@deposits.test", password: "Property-2026", displayName: "P \(round)",
                                                           brandID: "brand_test", audit: .system)
                var deposits: [Deposit] = []
                for index in 0..<3 {
                    let deposit = try await payments.deposits.create(userID: client.id, provider: "card", amount: Money(minorUnits: Int64(1_000 * (index + 1)), currency: .usd),
                                                                     idempotencyKey: "r\(round)-\(index)", audit: .system)
                    try await payments.deposits.redirected(deposit.id, providerPayment: "pi_r\(round)_\(index)", redirectURL: "")
                    deposits.append(try #require(try await payments.deposits.deposit(deposit.id)))
                }
                var model = Array(repeating: DepositState.redirected, count: 3)
                var sent: [(id: String, deposit: Int, step: Step)] = []
                for (number, pick) in picks.enumerated() {
                    let picked = Step(rawValue: pick / 3) ?? .succeeded
                    let (eventID, index, step): (String, Int, Step)
                    if picked == .repeatLast, let last = sent.last {
                        (eventID, index, step) = (last.id, last.deposit, last.step)
                    } else {
                        (eventID, index, step) = ("evt_r\(round)_\(number)", pick % 3, picked == .repeatLast ? .succeeded : picked)
                    }
                    let deposit = deposits[index]
                    let amount = step == .wrongAmount ? deposit.amount.minorUnits + 1 : deposit.amount.minorUnits
                    let event = CardEvent(id: eventID, type: Self.type(of: step), paymentIntent: deposit.providerPayment, amount: amount, currency: "USD",
                                          state: CardEvent.state(type: Self.type(of: step)))
                    let outcome = try await payments.deposits.apply(event, provider: "card", body: "{}").outcome
                    let fresh = !sent.contains { $0.id == eventID }
                    if fresh {
                        sent.append((eventID, index, step))
                        if let next = event.state, !(step == .wrongAmount && next == .approved), model[index].accepts(next) { model[index] = next }
                    } else {
                        #expect(outcome == .duplicate)
                    }
                    // A crash: sometimes the crediting after a delivery never ran.
                    if credits[number % credits.count] {
                        try await payments.credits.creditApproved()
                        try await payments.credits.reverseReturned()
                    }
                }
                for _ in 0..<2 {
                    try await payments.credits.creditApproved()
                    try await payments.credits.reverseReturned()
                }
                let wallet = LedgerAccount(kind: .clientWallet, owner: client.id.rawValue, currency: .usd)
                var expected: Int64 = 0
                for (index, deposit) in deposits.enumerated() {
                    let stored = try #require(try await payments.deposits.deposit(deposit.id))
                    #expect(stored.state == model[index], "deposit \(index): \(stored.state) against the model's \(model[index])")
                    if stored.state == .approved {
                        #expect(stored.credited)
                        expected += deposit.amount.minorUnits
                    }
                    #expect(!stored.credited || stored.state == .approved || stored.reversed, "credited money of a returned deposit went back")
                }
                #expect(try await ledger.balance(of: wallet) == expected)
                #expect(try await ledger.balance(of: LedgerAccount(kind: .suspense, owner: "client_debt:\(client.id.rawValue)", currency: .usd)) == 0)
                let events = try await ClientEventStore(db: db, clock: clock).events(of: client.id).filter { $0.kind == .deposit }
                #expect(events.count == (try await deposits.asyncFilter { try await payments.deposits.deposit($0.id)?.credited == true }).count)
            } catch {
                Issue.record("round \(round) failed: \(String(reflecting: error))")
            }
        }
        #expect(try await ledger.verify().isSound)
    }
}

extension Array where Element: Sendable {
    func asyncFilter(_ keep: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await keep(element) { kept.append(element) }
        return kept
    }
}
