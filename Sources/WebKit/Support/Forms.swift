import Foundation
import Hummingbird
import Platform

/// Reading `application/x-www-form-urlencoded` bodies by hand: small, strict, and
/// never trusting the client's sizes.
public enum FormBody {
    public static let limit = 64 * 1024

    public static func parse(_ text: String) -> FormFields {
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            fields[key, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return FormFields(values: fields)
    }

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    public static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}

/// A form's fields. A name sent more than once (checkboxes) keeps every value;
/// the subscript gives the first.
public struct FormFields: Sendable, Equatable {
    package var values: [String: [String]] = [:]

    public subscript(_ name: String) -> String? { values[name]?.first }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
}

/// An error shown to the user with a status and a message they can act on.
public struct UserFacingError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
    public var headers: HTTPFields { [:] }
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = "{\"error\":{\"status\":\(status.code),\"message\":\(JSONText.quote(message))}}"
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

package enum JSONText {
    package static func quote(_ text: String) -> String {
        guard let data = try? JSONEncoder().encode(text) else { return "\"\"" }
        return String(decoding: data, as: UTF8.self)
    }
}
