import Crypto
import Foundation
import Platform

/// The MT5 Web API handshake's arithmetic: the server proves it knows the password
/// as much as the client does.
///
/// `H = MD5(MD5(UTF-16LE(password)) ++ "WebAPI")`; the client answers the server's
/// random with `MD5(H ++ srv_rand)` and checks the server's answer to its own
/// random, `MD5(H ++ cli_rand)`. All digests are raw bytes; the wire carries hex.
public enum MT5Auth {
    public static func passwordHash(_ password: String) -> [UInt8] {
        var utf16LE: [UInt8] = []
        for unit in password.utf16 { utf16LE += [UInt8(unit & 0xff), UInt8(unit >> 8)] }
        let inner = Array(Insecure.MD5.hash(data: utf16LE))
        return Array(Insecure.MD5.hash(data: inner + Array("WebAPI".utf8)))
    }

    /// `hex(MD5(H ++ random))`: the answer to the other side's random.
    public static func answer(passwordHash: [UInt8], random: [UInt8]) -> String {
        hex(Array(Insecure.MD5.hash(data: passwordHash + random)))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes from hex; nil unless it is an even number of hex digits.
    public static func bytes(hex text: String) -> [UInt8]? {
        guard text.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    /// Constant-time comparison of two hex answers.
    public static func matches(_ a: String, _ b: String) -> Bool {
        let x = Array(a.lowercased().utf8), y = Array(b.lowercased().utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
