import Foundation
import Payments

/// What the simulated card provider holds: PaymentIntents, the events it raised and
/// every webhook delivery it made, so tests compare Pipstack's books with the
/// provider's own.
final class CardSimulatorBook: @unchecked Sendable {
    struct Intent {
        let id: String
        let amount: Int64
        let currency: String
        var status: String
        let depositID: String
        let returnURL: String
        let created: Int64
        var refunded = false
        var disputed = false
    }

    private let lock = NSLock()
    private var intents: [String: Intent] = [:]
    private var byIdempotencyKey: [String: String] = [:]
    private(set) var events: [(id: String, body: [UInt8])] = []
    private var counter = 0

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func nextID(_ prefix: String) -> String {
        locked {
            counter += 1
            return "\(prefix)_\(String(format: "%06d", counter))\(UUID().uuidString.prefix(8).lowercased())"
        }
    }

    /// A new intent, or the one an earlier request with the same idempotency key made.
    func create(amount: Int64, currency: String, depositID: String, returnURL: String, idempotencyKey: String?, now: Int64) -> Intent {
        if let key = idempotencyKey, let known = locked({ byIdempotencyKey[key].flatMap { intents[$0] } }) { return known }
        let intent = Intent(id: nextID("pi"), amount: amount, currency: currency, status: "requires_action", depositID: depositID,
                            returnURL: returnURL, created: now)
        locked {
            intents[intent.id] = intent
            if let idempotencyKey { byIdempotencyKey[idempotencyKey] = intent.id }
        }
        return intent
    }

    func intent(_ id: String) -> Intent? { locked { intents[id] } }

    /// Moves an intent on; false when it was already finished.
    func finish(_ id: String, status: String) -> Intent? {
        locked {
            guard var intent = intents[id], intent.status == "requires_action" else { return nil }
            intent.status = status
            intents[id] = intent
            return intent
        }
    }

    /// Marks a succeeded intent refunded (or disputed); nil when it cannot be.
    func settle(_ id: String, refund: Bool) -> Intent? {
        locked {
            guard var intent = intents[id], intent.status == "succeeded", !intent.refunded, !intent.disputed else { return nil }
            if refund { intent.refunded = true } else { intent.disputed = true }
            intents[id] = intent
            return intent
        }
    }

    func intent(ofDeposit depositID: String) -> Intent? { locked { intents.values.first { $0.depositID == depositID } } }

    func record(event id: String, body: [UInt8]) { locked { events.append((id, body)) } }
    func event(_ id: String) -> [UInt8]? { locked { events.first { $0.id == id }?.body } }
    var succeededAmount: [String: Int64] {
        locked { Dictionary(intents.values.filter { $0.status == "succeeded" && !$0.refunded && !$0.disputed }.map { ($0.depositID, $0.amount) }, uniquingKeysWith: { first, _ in first }) }
    }
}
