import BrokerCore
import Money

public enum DepositTag {}
public enum PaymentProviderTag {}
/// A deposit Pipstack asked a provider for (`dep_…`).
public typealias DepositID = Identifier<DepositTag>
/// A configured payment provider (`card`, …).
public typealias PaymentProviderID = Identifier<PaymentProviderTag>

/// A client's deposit through a payment provider.
public struct Deposit: Sendable, Equatable, Codable {
    public var id: DepositID
    public var userID: UserID
    public var provider: PaymentProviderID
    public var amount: Money
    public var state: DepositState
    /// The provider's id for the payment (a PaymentIntent's `pi_…`); empty until it answered.
    public var providerPayment: String
    /// Where the client completes the payment (the provider's hosted page).
    public var redirectURL: String
    public var idempotencyKey: String
    /// Whether the approved amount is in the client's wallet.
    public var credited: Bool
    /// Whether a refund or chargeback took the credited amount back out (or found nothing was credited).
    public var reversed: Bool
    /// Why it was declined or left unfinished, for staff.
    public var reason: String
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// What a verified webhook delivery did.
public enum WebhookOutcome: String, Sendable, Equatable, Codable {
    /// The deposit moved to the status the event reports.
    case applied
    /// The same event came before: nothing changed.
    case duplicate
    /// The deposit is already past the status the event reports (a late delivery).
    case stale
    /// An event type Pipstack does not act on.
    case ignored
    /// The event names no payment Pipstack knows: acknowledged, kept for review.
    case unknownPayment = "unknown_payment"
    /// The event's amount or currency differ from the deposit's: kept for review, nothing credited.
    case mismatch
}
