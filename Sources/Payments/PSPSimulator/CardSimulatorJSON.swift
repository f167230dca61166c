import Foundation

/// The provider's objects as Stripe writes them.
enum CardSimulatorJSON {
    static func intent(_ intent: CardSimulatorBook.Intent, base: String) -> [String: Any] {
        var object: [String: Any] = [
            "id": intent.id, "object": "payment_intent", "amount": intent.amount, "currency": intent.currency, "status": intent.status,
            "created": intent.created, "metadata": ["deposit_id": intent.depositID], "livemode": false,
        ]
        if intent.status == "requires_action" {
            object["next_action"] = ["type": "redirect_to_url", "redirect_to_url": ["url": "\(base)/checkout/\(intent.id)", "return_url": intent.returnURL]]
        }
        return object
    }

    /// The charge behind a succeeded intent, as `charge.refunded` carries it.
    static func charge(_ intent: CardSimulatorBook.Intent) -> [String: Any] {
        ["id": "ch_" + intent.id.dropFirst(3), "object": "charge", "payment_intent": intent.id, "amount": intent.amount,
         "amount_refunded": intent.refunded ? intent.amount : 0, "currency": intent.currency, "refunded": intent.refunded, "status": "succeeded"]
    }

    /// A dispute (chargeback) against a succeeded intent's charge.
    static func dispute(_ intent: CardSimulatorBook.Intent, id: String) -> [String: Any] {
        ["id": id, "object": "dispute", "charge": "ch_" + intent.id.dropFirst(3), "payment_intent": intent.id, "amount": intent.amount,
         "currency": intent.currency, "reason": "fraudulent", "status": "needs_response"]
    }

    static func event(id: String, type: String, object: [String: Any], created: Int64) -> [String: Any] {
        ["id": id, "object": "event", "api_version": "2024-06-20", "type": type, "created": created, "livemode": false,
         "data": ["object": object], "pending_webhooks": 1]
    }

    static func error(_ message: String, type: String = "invalid_request_error") -> [String: Any] {
        ["error": ["type": type, "message": message]]
    }

    static func bytes(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}
