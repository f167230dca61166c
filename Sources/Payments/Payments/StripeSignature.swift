import Crypto
import Foundation

/// The card provider's webhook signature, as Stripe documents it: the header
/// `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where each v1 is the hex
/// HMAC-SHA256 of "<t>.<raw body>" under the endpoint secret (`whsec_…`). A signature
/// is good when any v1 matches (compared in constant time) and t is within the
/// tolerance of now, which refuses a delivery replayed later.
public enum StripeSignature {
    public static let header = "Stripe-Signature"
    public static let toleranceSeconds: Int64 = 300

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case missing, malformed, noMatch
        case stale(seconds: Int64)

        public var description: String {
            switch self {
            case .missing: "the Stripe-Signature header is missing"
            case .malformed: "the Stripe-Signature header is not t=…,v1=…"
            case .noMatch: "no v1 signature matches the body"
            case let .stale(seconds): "the signature is \(seconds) s from now, beyond 300 s"
            }
        }
    }

    /// The header value for `body` signed at `timestamp`, as the provider sends it.
    public static func sign(_ body: [UInt8], secret: String, timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(hex(body, secret: secret, timestamp: timestamp))"
    }

    /// Checks `header` against the raw `body`, at `now` (Unix seconds).
    public static func verify(_ header: String?, body: [UInt8], secret: String, now: Int64) throws(Refusal) {
        guard let header, !header.isEmpty else { throw .missing }
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1].lowercased()) }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        let expected = Array(hex(body, secret: secret, timestamp: timestamp).utf8)
        // Every candidate is compared in full, so timing says nothing about which matched.
        var matched = false
        for signature in signatures where constantTimeEqual(Array(signature.utf8), expected) { matched = true }
        guard matched else { throw .noMatch }
        guard abs(now - timestamp) <= toleranceSeconds else { throw .stale(seconds: now - timestamp) }
    }

    static func hex(_ body: [UInt8], secret: String, timestamp: Int64) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
