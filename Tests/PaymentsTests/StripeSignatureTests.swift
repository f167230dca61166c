import Crypto
import Foundation
import Payments
import Testing

/// The card provider's webhook signature, checked with the algorithm Stripe publishes:
/// a signature its own libraries compute is accepted; a wrong, missing, malformed or
/// stale one is refused.
@Suite struct StripeSignatureTests {
    static let secret = "whsec_test_secret"
    static let body = Array(#"{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}"#.utf8)

    /// Stripe's documented scheme, written out independently: hex HMAC-SHA256 of "t.body".
    static func published(_ body: [UInt8], secret: String, t: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(t).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    @Test func aSignatureComputedWithThePublishedAlgorithmIsAccepted() throws {
        let t: Int64 = 1_765_000_000
        let header = "t=\(t),v1=\(Self.published(Self.body, secret: Self.secret, t: t))"
        #expect(StripeSignature.sign(Self.body, secret: Self.secret, timestamp: t) == header)
        try StripeSignature.verify(header, body: Self.body, secret: Self.secret, now: t + 299)
        // During a secret roll Stripe sends several v1 values; any one matching is enough.
        try StripeSignature.verify("t=\(t),v1=\(String(repeating: "0", count: 64)),v1=\(Self.published(Self.body, secret: Self.secret, t: t)),v0=old",
                                   body: Self.body, secret: Self.secret, now: t)
    }

    @Test func wrongMissingMalformedAndStaleSignaturesAreRefused() {
        let t: Int64 = 1_765_000_000
        let good = "t=\(t),v1=\(Self.published(Self.body, secret: Self.secret, t: t))"
        #expect(throws: StripeSignature.Refusal.missing) { try StripeSignature.verify(nil, body: Self.body, secret: Self.secret, now: t) }
        #expect(throws: StripeSignature.Refusal.malformed) { try StripeSignature.verify("v1=abc", body: Self.body, secret: Self.secret, now: t) }
        #expect(throws: StripeSignature.Refusal.noMatch) { try StripeSignature.verify(good, body: Self.body + [32], secret: Self.secret, now: t) }
        #expect(throws: StripeSignature.Refusal.noMatch) { try StripeSignature.verify(good, body: Self.body, secret: "whsec_other", now: t) }
        #expect(throws: StripeSignature.Refusal.stale(seconds: 301)) { try StripeSignature.verify(good, body: Self.body, secret: Self.secret, now: t + 301) }
        #expect(throws: StripeSignature.Refusal.stale(seconds: -301)) { try StripeSignature.verify(good, body: Self.body, secret: Self.secret, now: t - 301) }
    }

    @Test func statusesOnlyMoveForward() {
        #expect(DepositState.redirected.accepts(.approved) && DepositState.threeDS.accepts(.declined))
        #expect(!DepositState.approved.accepts(.declined), "a late failure does not undo an approval")
        #expect(DepositState.declined.accepts(.approved), "a declined attempt leaves the payment open: a later approval counts")
        #expect(!DepositState.declined.accepts(.cancelled) && !DepositState.cancelled.accepts(.approved))
        #expect(DepositState.approved.accepts(.refunded) && DepositState.approved.accepts(.chargedBack))
        #expect(!DepositState.approved.accepts(.redirected) && !DepositState.refunded.accepts(.chargedBack))
        for state in DepositState.allCases { #expect(!state.accepts(state), "\(state) again changes nothing") }
    }
}

/// Refused deliveries are kept for review up to a budget per sending address, so that
/// anyone able to reach the endpoint cannot fill the disk.
@Suite struct RefusalBudgetTests {
    @Test func anAddressMayHaveSoManyRefusalsKeptThenOneASecond() async {
        let budget = RefusalBudget(capacity: 3, perSecond: 1)
        var kept = 0
        for _ in 0..<10 where await budget.take("203.0.113.7", now: 100) { kept += 1 }
        #expect(kept == 3)
        #expect(await budget.take("198.51.100.1", now: 100), "another address has its own budget")
        #expect(!(await budget.take("203.0.113.7", now: 100.5)))
        #expect(await budget.take("203.0.113.7", now: 101.5), "one more after a second")
        #expect(!(await budget.take("203.0.113.7", now: 101.6)))
    }
}
