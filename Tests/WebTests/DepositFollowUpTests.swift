import AsyncHTTPClient
import BrokerCore
import Clients
import Foundation
import Identity
import Ledger
import LedgerCore
import Money
import Payments
import Platform
import PSPSimulator
import SQLKit
import TestSupport
import Testing
import WebKit

/// Deposits nobody told Pipstack about: a webhook lost on the way, a payment the client
/// abandoned, and a crash between approving a deposit and crediting it. Each ends in
/// the right state with the wallet credited exactly once.
@Suite(.serialized) struct DepositFollowUpTests {
    struct Setup {
        let harness: WebHarness
        let simulator: CardSimulator
        let clock: ManualClock
        let trader: User
        let wallet: LedgerAccount
        var payments: PaymentsServices { harness.services.payments }
        var followUp: DepositFollowUp { DepositFollowUp(payments: payments) }

        func start(_ amount: Int64, key: String) async throws -> Deposit {
            try await payments.startDeposit(userID: trader.id, provider: "card", amount: Money(minorUnits: amount, currency: .usd), idempotencyKey: key,
                                            returnURL: { "https://office.test/portal/deposits/\($0)" }, audit: .system)
        }
    }

    static func setUp(_ kind: String) async throws -> Setup {
        let clock = ManualClock(micros: SystemClock().nowMicros())
        let harness = try await WebHarness.make(kind, clock: clock)
        let simulator = try await CardSimulator.start()
        try await CardDepositTests.configure(simulator, in: harness)
        let trader = try #require(harness.users[.trader])
        return Setup(harness: harness, simulator: simulator, clock: clock, trader: trader,
                     wallet: LedgerAccount(kind: .clientWallet, owner: trader.id.rawValue, currency: .usd))
    }

    @Test(arguments: TestDatabases.kinds)
    func aLostWebhookIsMadeGoodByAskingTheProvider(kind: String) async throws {
        let setup = try await Self.setUp(kind)
        defer { Task { await setup.simulator.stop(); await setup.harness.db.close() } }
        setup.simulator.loseWebhooks()
        let deposit = try await setup.start(10_000, key: "lost-1")
        let browser = CardDepositTests.browser()
        defer { Task { try? await browser.shutdown() } }
        let paid = try await CardDepositTests.post(browser, deposit.redirectURL, [("card", "4242 4242 4242 4242")])
        #expect(paid.status == 303 && setup.simulator.succeeded[deposit.id.rawValue] == 10_000)
        #expect(try await setup.followUp.round() == 0, "within ten minutes the webhook may still come")
        setup.clock.advance(seconds: 11 * 60)
        #expect(try await setup.followUp.round() >= 1)
        let after = try #require(try await setup.payments.deposits.deposit(deposit.id))
        #expect(after.state == .approved && after.credited)
        #expect(try await setup.harness.services.ledger.balance(of: setup.wallet) == 10_000)
        setup.clock.advance(seconds: 11 * 60)
        #expect(try await setup.followUp.round() == 0)
        #expect(try await setup.harness.services.ledger.balance(of: setup.wallet) == 10_000)
    }

    @Test func anAbandonedPaymentIsCancelledAtTheProviderAndExpires() async throws {
        let setup = try await Self.setUp("sqlite")
        defer { Task { await setup.simulator.stop(); await setup.harness.db.close() } }
        let deposit = try await setup.start(5_000, key: "abandoned-1")
        setup.clock.advance(seconds: 11 * 60)
        _ = try await setup.followUp.round()
        #expect(try await setup.payments.deposits.deposit(deposit.id)?.state == .redirected, "asked, and the client may still pay")
        setup.clock.advance(seconds: 25 * 3_600)
        _ = try await setup.followUp.round()
        #expect(try await setup.payments.deposits.deposit(deposit.id)?.state == .expired)
        // The payment can no longer succeed at the provider.
        let browser = CardDepositTests.browser()
        defer { Task { try? await browser.shutdown() } }
        _ = try await CardDepositTests.post(browser, deposit.redirectURL, [("card", "4242 4242 4242 4242")])
        #expect(setup.simulator.succeeded.isEmpty)
        #expect(try await setup.harness.services.ledger.balance(of: setup.wallet) == 0)
    }

    /// A provider that no longer knows the payment (the demo's simulator after a
    /// restart, or a purge) cannot complete it: after a day the deposit expires instead
    /// of being asked about for ever.
    @Test func aPaymentTheProviderDoesNotKnowExpiresAfterADay() async throws {
        let setup = try await Self.setUp("sqlite")
        defer { Task { await setup.harness.db.close() } }
        let deposit = try await setup.start(5_000, key: "forgotten-1")
        await setup.simulator.stop()
        let restarted = try await CardSimulator.start(setup.simulator.options)
        defer { Task { await restarted.stop() } }
        try await CardDepositTests.configure(restarted, in: setup.harness)
        setup.clock.advance(seconds: 11 * 60)
        _ = try await setup.followUp.round()
        #expect(try await setup.payments.deposits.deposit(deposit.id)?.state == .redirected)
        setup.clock.advance(seconds: 25 * 3_600)
        _ = try await setup.followUp.round()
        #expect(try await setup.payments.deposits.deposit(deposit.id)?.state == .expired)
    }

    /// A crash after the approval was recorded, and another after the ledger posting but
    /// before the deposit was marked credited: the next round finishes the job once.
    @Test(arguments: TestDatabases.kinds)
    func aCrashBetweenApprovalAndCreditIsFinishedOnce(kind: String) async throws {
        let setup = try await Self.setUp(kind)
        defer { Task { await setup.simulator.stop(); await setup.harness.db.close() } }
        setup.simulator.loseWebhooks()
        var deposits: [Deposit] = []
        for index in 0..<2 { deposits.append(try await setup.start(7_500, key: "crash-\(index)")) }
        // Both approved as a webhook would, but the process "died" before crediting.
        for deposit in deposits {
            let event = CardEvent(id: "evt_crash_\(deposit.id)", type: "payment_intent.succeeded", paymentIntent: deposit.providerPayment,
                                  amount: 7_500, currency: "USD", state: .approved)
            #expect(try await setup.payments.deposits.apply(event, provider: "card", body: "{}").outcome == .applied)
        }
        // The second one died after its ledger posting.
        let second = deposits[1]
        _ = try await setup.harness.services.ledger.post(PostingRules.deposit(key: "deposit:\(second.id.rawValue)", client: setup.trader.id.rawValue,
                                                                               provider: "card", amount: second.amount, at: 1))
        #expect(try await setup.followUp.round() == 2)
        #expect(try await setup.followUp.round() == 0)
        #expect(try await setup.harness.services.ledger.balance(of: setup.wallet) == 15_000)
        #expect(try await setup.harness.services.ledger.verify().isSound)
        let events = try await setup.harness.services.clientEvents.events(of: setup.trader.id)
        #expect(events.filter { $0.kind == .deposit }.count == 2)
        for deposit in deposits { #expect(try await setup.payments.deposits.deposit(deposit.id)?.credited == true) }
    }

    /// Until a client's identity is verified, deposits under way or approved may total at
    /// most the policy's limit; the refusal says how much remains, in the client's words.
    @Test func anUnverifiedClientMayDepositUpToTheLimit() async throws {
        let setup = try await Self.setUp("sqlite")
        defer { Task { await setup.simulator.stop(); await setup.harness.db.close() } }
        _ = try await setup.start(150_000, key: "limit-1")
        await #expect(throws: DepositPolicy.Refusal.unverifiedLimit(limit: Money(minorUnits: 200_000, currency: .usd), remaining: Money(minorUnits: 50_000, currency: .usd))) {
            _ = try await setup.start(60_000, key: "limit-2")
        }
        #expect(try await setup.start(150_000, key: "limit-1").state == .redirected, "the same request again is not a new deposit")
        _ = try await setup.harness.services.clientEvents.record(ClientEventRecord(source: "kyc-vendor", externalID: "kyc-1", userID: setup.trader.id, kind: .kycApproved,
                                                                                   occurredAt: 1), audit: .system)
        #expect(try await setup.start(60_000, key: "limit-2").state == .redirected, "verified: no limit from this policy")
        let spanish = try CatalogueTests.catalogue("es")
        let text = RefusalText.localized(DepositPolicy.Refusal.unverifiedLimit(limit: Money(minorUnits: 200_000, currency: .usd),
                                                                              remaining: Money(minorUnits: 50_000, currency: .usd)).description, { spanish[$0] ?? $0 })
        #expect(text.hasPrefix("hasta que se verifique su identidad"))
    }
}
