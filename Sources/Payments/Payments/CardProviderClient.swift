import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls the card provider's API as Stripe's is called: form-encoded requests with the
/// secret key as a bearer token and an `Idempotency-Key`, so a retried request makes
/// no second payment.
public struct CardProviderClient: Sendable {
    let http: HTTPClient

    public init(http: HTTPClient = .shared) { self.http = http }

    /// What the provider answered for a new PaymentIntent.
    public struct Intent: Sendable, Equatable {
        public let id: String
        public let status: String
        /// The hosted page the client completes the payment on (3-D Secure included).
        public let redirectURL: String
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unreachable(String), refused(status: Int, message: String), unreadable
        public var description: String {
            switch self {
            case let .unreachable(detail): "the card provider did not answer: \(detail)"
            case let .refused(status, message): "the card provider refused the payment (HTTP \(status)): \(message)"
            case .unreadable: "the card provider's answer could not be read"
            }
        }
    }

    private struct IntentBody: Decodable {
        let id: String
        let status: String
        let next_action: NextAction?
        struct NextAction: Decodable {
            let redirect_to_url: Redirect?
            struct Redirect: Decodable { let url: String }
        }
    }

    private struct ErrorBody: Decodable {
        let error: Detail
        struct Detail: Decodable { let message: String }
    }

    /// A PaymentIntent as the provider has it now.
    public struct IntentStatus: Sendable, Equatable {
        public let status: String
        public let amount: Int64
        public let currency: String

        /// The deposit status this means, nil while the client may still complete it.
        public var depositState: DepositState? {
            switch status {
            case "succeeded": .approved
            case "canceled": .cancelled
            case "processing": .pending
            default: nil
            }
        }
    }

    private struct StatusBody: Decodable {
        let status: String
        let amount: Int64
        let currency: String
    }

    /// Asks the provider where a PaymentIntent stands.
    public func intent(_ config: PaymentProviderConfig, id: String) async throws(Failure) -> IntentStatus {
        try await call(config, method: .GET, path: "/v1/payment_intents/\(FormEncoding.escape(id))", fields: nil, idempotencyKey: nil)
    }

    /// Cancels a PaymentIntent the client never completed, so it cannot succeed later.
    public func cancel(_ config: PaymentProviderConfig, id: String) async throws(Failure) -> IntentStatus {
        try await call(config, method: .POST, path: "/v1/payment_intents/\(FormEncoding.escape(id))/cancel", fields: [], idempotencyKey: "cancel-\(id)")
    }

    /// Refunds a succeeded payment in full; the provider then sends `charge.refunded`.
    public func refund(_ config: PaymentProviderConfig, intent id: String, amount: Int64) async throws(Failure) {
        _ = try await send(config, method: .POST, path: "/v1/refunds", idempotencyKey: "refund-\(id)", fields: [("payment_intent", id), ("amount", String(amount))])
    }


    private func call(_ config: PaymentProviderConfig, method: HTTPMethod, path: String, fields: [(String, String)]?, idempotencyKey: String?) async throws(Failure) -> IntentStatus {
        let body = try await send(config, method: method, path: path, idempotencyKey: idempotencyKey, fields: fields)
        guard let intent = try? JSONDecoder().decode(StatusBody.self, from: Data(buffer: body)) else { throw .unreadable }
        return IntentStatus(status: intent.status, amount: intent.amount, currency: intent.currency.uppercased())
    }

    /// One call as Stripe's API takes it; the body of a 2xx answer, or why there is none.
    private func send(_ config: PaymentProviderConfig, method: HTTPMethod, path: String, idempotencyKey: String?, fields: [(String, String)]?) async throws(Failure) -> ByteBuffer {
        var request = HTTPClientRequest(url: config.apiBase + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(config.apiKey)")
        if let fields {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormEncoding.encode(fields)))
        }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .seconds(15))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .unreachable(String(describing: error).prefix(200).description)
        }
        guard (200..<300).contains(status) else {
            throw .refused(status: status, message: String(((try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: body)))?.error.message ?? "").prefix(300)))
        }
        return body
    }


    /// Creates a PaymentIntent for `amount` minor units, to be confirmed on the
    /// provider's page, which sends the client back to `returnURL`.
    public func createIntent(_ config: PaymentProviderConfig, amount: Int64, currency: String, deposit: DepositID, returnURL: String) async throws(Failure) -> Intent {
        let body = try await send(config, method: .POST, path: "/v1/payment_intents", idempotencyKey: deposit.rawValue, fields: [
            ("amount", String(amount)), ("currency", currency.lowercased()), ("confirm", "true"), ("metadata[deposit_id]", deposit.rawValue), ("return_url", returnURL),
        ])
        guard let intent = try? JSONDecoder().decode(IntentBody.self, from: Data(buffer: body)) else { throw .unreadable }
        return Intent(id: intent.id, status: intent.status, redirectURL: intent.next_action?.redirect_to_url?.url ?? "")
    }

}

/// `application/x-www-form-urlencoded`, as browsers and Stripe's API write it.
public enum FormEncoding {
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")

    static func escape(_ text: String) -> String {
        (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }

    /// The fields of a form body, in order; `+` is a space.
    public static func decode(_ body: String) -> [(String, String)] {
        body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        }
    }
}
