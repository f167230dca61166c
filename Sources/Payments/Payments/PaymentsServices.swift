import AsyncHTTPClient
import BrokerCore
import Clients
import Foundation
import Ledger
import Logging
import Money
import Platform

/// The Payments slice's services: providers, deposits, the webhook intake and the
/// crediting of approved deposits.
public struct PaymentsServices: Sendable {
    public let providers: PaymentProviderStore
    public let deposits: DepositStore
    public let credits: DepositCredits
    public let card: CardProviderClient
    public let policy: DepositPolicy
    /// Refused deliveries kept per sending address.
    public let refusals = RefusalBudget()
    let db: Database
    let logger: Logger

    public init(db: Database, ledger: LedgerStore, secretKey: String, clock: any PipstackClock, logger: Logger, http: HTTPClient = .shared,
                policy: DepositPolicy = DepositPolicy()) {
        self.db = db
        self.policy = policy
        providers = PaymentProviderStore(db: db, secrets: SecretBox(secretKey: secretKey), clock: clock)
        deposits = DepositStore(db: db, clock: clock)
        credits = DepositCredits(db: db, ledger: ledger, clientEvents: ClientEventStore(db: db, clock: clock), clock: clock, logger: logger)
        card = CardProviderClient(http: http)
        self.logger = logger
    }

    public enum StartRefusal: Error, Equatable, Sendable, CustomStringConvertible {
        case noProvider(String), notPositive, tooLarge
        public var description: String {
            switch self {
            case let .noProvider(id): "no payment provider \(id) is enabled"
            case .notPositive: "amount: must be positive"
            case .tooLarge: "amount: too large"
            }
        }
    }

    /// Records a deposit and asks the provider for a payment the client confirms on its
    /// page. A repeated call with the same key returns the same deposit and asks nothing.
    public func startDeposit(userID: UserID, provider: PaymentProviderID, amount: Money, idempotencyKey: String, returnURL: (DepositID) -> String,
                             audit: AuditContext) async throws -> Deposit {
        guard amount.minorUnits > 0 else { throw StartRefusal.notPositive }
        guard amount.minorUnits <= 100_000_000_00 else { throw StartRefusal.tooLarge }
        guard let config = try await providers.provider(provider), config.enabled else { throw StartRefusal.noProvider(provider.rawValue) }
        // A repeated call finds its deposit; only a new one is checked against the limits.
        if let known = try await deposits.deposit(idempotencyKey: idempotencyKey) {
            guard known.userID == userID, known.provider == provider, known.amount == amount else { throw DepositStore.Refusal.keyReused(idempotencyKey) }
            return known
        }
        try await policy.check(userID, amount: amount, db: db)
        let deposit = try await deposits.create(userID: userID, provider: provider, amount: amount, idempotencyKey: idempotencyKey, audit: audit)
        guard deposit.state == .initiated, deposit.providerPayment.isEmpty else { return deposit }
        do {
            let intent = try await card.createIntent(config, amount: amount.minorUnits, currency: amount.currency.code, deposit: deposit.id,
                                                     returnURL: returnURL(deposit.id))
            try await deposits.redirected(deposit.id, providerPayment: intent.id, redirectURL: intent.redirectURL)
        } catch {
            logger.warning("deposit could not start", metadata: ["deposit": "\(deposit.id)", "error": "\(error)"])
            try await deposits.failedToStart(deposit.id, reason: String(describing: error), audit: audit)
        }
        return try await deposits.deposit(deposit.id) ?? deposit
    }

    public enum RefundRefusal: Error, Equatable, Sendable, CustomStringConvertible {
        case notRefundable(String), walletShort(String)
        public var description: String {
            switch self {
            case let .notRefundable(state): "only an approved, credited deposit can be refunded; this one is \(state)"
            case let .walletShort(held): "the client's wallet holds only \(held); move money back to it first"
            }
        }
    }

    /// Asks the provider to refund a deposit in full. The wallet must still hold the
    /// amount; the money leaves it when the provider's `charge.refunded` arrives.
    public func refund(_ id: DepositID, audit: AuditContext) async throws {
        guard let deposit = try await deposits.deposit(id) else { throw StorageError.notFound("deposit \(id)") }
        guard deposit.state == .approved, deposit.credited, !deposit.reversed else { throw RefundRefusal.notRefundable(deposit.state.rawValue) }
        let held = try await credits.ledger.balance(of: DepositCredits.wallet(of: deposit))
        guard held >= deposit.amount.minorUnits else { throw RefundRefusal.walletShort(Money(minorUnits: max(0, held), currency: deposit.amount.currency).description) }
        guard let config = try await providers.provider(deposit.provider) else { throw StartRefusal.noProvider(deposit.provider.rawValue) }
        try await card.refund(config, intent: deposit.providerPayment, amount: deposit.amount.minorUnits)
        try await deposits.note(id, action: "deposit.refund_requested", audit: audit)
    }

    /// What the intake answers a provider.
    public enum Intake: Sendable, Equatable {
        case accepted(WebhookOutcome)
        /// Kept for review; the provider gets a 400.
        case refused(String)
        /// No such provider is enabled: kept for review; a 404.
        case unknownProvider(String)
        /// The address sent more refused deliveries than are kept: a 429, nothing stored.
        case throttled
    }

    /// A delivery to `/webhooks/psp/{provider}`: verified against the provider's secret,
    /// recorded and applied before the answer, then approved deposits are credited.
    public func receiveWebhook(provider: String, signature: String?, body: [UInt8], from address: String = "") async throws -> Intake {
        let text = String(decoding: body, as: UTF8.self)
        let provider = DepositStore.storable(provider, bytes: 64)
        let now = Double(deposits.clock.nowMicros()) / 1_000_000
        let keep = { (reason: String) async throws -> Bool in
            guard await self.refusals.take(address, now: now) else { return false }
            try await self.deposits.keepRefused(provider: provider, reason: reason, signature: signature ?? "", body: text)
            return true
        }
        let refuse = { (reason: String) async throws -> Intake in try await keep(reason) ? .refused(reason) : .throttled }
        let id = PaymentProviderID(provider)
        guard provider.count <= 64, let config = try await providers.provider(id), config.enabled else {
            let reason = "no payment provider \(provider.prefix(64)) is enabled"
            return try await keep(reason) ? .unknownProvider(reason) : .throttled
        }
        do {
            try StripeSignature.verify(signature, body: body, secret: config.webhookSecret, now: deposits.clock.nowMicros() / 1_000_000)
        } catch {
            return try await refuse(error.description)
        }
        let event: CardEvent
        do { event = try CardEvent.parse(body) } catch { return try await refuse(error.description) }
        let applied = try await deposits.apply(event, provider: id, body: text)
        if applied.outcome == .applied, let deposit = applied.deposit {
            // This delivery's deposit now; anything a crash left behind, the follow-up's next round.
            do {
                try await credits.creditApproved(only: deposit)
                try await credits.reverseReturned(only: deposit)
            } catch {
                // The delivery is recorded; the next pass credits. Say so loudly.
                logger.error("approved deposits could not be credited", metadata: ["error": "\(error)"])
            }
        }
        return .accepted(applied.outcome)
    }
}
