import Foundation

/// What Pipstack reads from an event in Stripe's envelope (`id`, `type`,
/// `data.object`): the payment it is about and the status it reports.
public struct CardEvent: Sendable, Equatable {
    public let id: String
    public let type: String
    /// The PaymentIntent the event is about (a charge or dispute names its intent).
    public let paymentIntent: String
    /// Minor units in `currency`, as the provider reports them.
    public let amount: Int64
    public let currency: String
    /// The deposit status the event reports; nil for a type Pipstack does not act on.
    public let state: DepositState?

    public init(id: String, type: String, paymentIntent: String, amount: Int64, currency: String, state: DepositState?) {
        self.id = id
        self.type = type
        self.paymentIntent = paymentIntent
        self.amount = amount
        self.currency = currency
        self.state = state
    }

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case notJSON, notAnEvent(String)
        public var description: String {
            switch self {
            case .notJSON: "the body is not a JSON event"
            case let .notAnEvent(what): "the event \(what)"
            }
        }
    }

    private struct Envelope: Decodable {
        let id: String
        let object: String?
        let type: String
        let data: DataField
        struct DataField: Decodable { let object: Object }
        struct Object: Decodable {
            let id: String
            let object: String
            let amount: Int64?
            let amount_refunded: Int64?
            let currency: String?
            let payment_intent: String?
        }
    }

    /// The event in `body`, refused when it is not an event in the provider's envelope.
    public static func parse(_ body: [UInt8]) throws(Refusal) -> CardEvent {
        let envelope: Envelope
        do { envelope = try JSONDecoder().decode(Envelope.self, from: Data(body)) } catch { throw .notJSON }
        guard envelope.object == nil || envelope.object == "event" else { throw .notAnEvent("is a \(envelope.object ?? "")") }
        guard !envelope.id.isEmpty, envelope.id.count <= 255 else { throw .notAnEvent("has no id") }
        let object = envelope.data.object
        let intent = object.object == "payment_intent" ? object.id : (object.payment_intent ?? "")
        guard !intent.isEmpty, intent.count <= 255 else { throw .notAnEvent("names no payment intent") }
        // A refund reports what was refunded; anything short of the whole payment is for review.
        let amount = envelope.type == "charge.refunded" ? (object.amount_refunded ?? 0) : (object.amount ?? 0)
        return CardEvent(id: envelope.id, type: envelope.type, paymentIntent: intent, amount: amount,
                         currency: (object.currency ?? "").uppercased(), state: state(of: envelope.type))
    }

    /// The deposit status each event type reports.
    public static func state(type: String) -> DepositState? { state(of: type) }

    static func state(of type: String) -> DepositState? {
        switch type {
        case "payment_intent.processing": .pending
        case "payment_intent.requires_action": .threeDS
        case "payment_intent.succeeded": .approved
        case "payment_intent.payment_failed": .declined
        case "payment_intent.canceled": .cancelled
        case "charge.refunded": .refunded
        case "charge.dispute.created": .chargedBack
        default: nil
        }
    }
}
