import Crypto
import Foundation

/// Random tokens and hashes used by sessions, CSRF, resets and API keys.
public enum Tokens {
    /// `count` random bytes from the system's CSPRNG, hex encoded.
    public static func random(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison for secrets.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// Encrypts small secrets at rest (TOTP seeds, PII fields) with AES-GCM under a key
/// derived from `PIPSTACK_SECRET_KEY`.
public struct SecretBox: Sendable {
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(secretKey: String) {
        keyBytes = Array(SHA256.hash(data: Data("pipstack-secret-box:\(secretKey)".utf8)))
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw SecretBoxError.cannotSeal }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw SecretBoxError.notSealed
        }
        let plaintext = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key)
        return String(decoding: plaintext, as: UTF8.self)
    }
}

/// Why a secret could not be sealed or opened.
public enum SecretBoxError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotSeal
    case notSealed

    public var description: String {
        switch self {
        case .cannotSeal: "encryption failure: cannot seal"
        case .notSealed: "encryption failure: not a sealed value"
        }
    }
}
