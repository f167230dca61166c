import Foundation
import Hummingbird
import Identity

/// What every `/api/v1` handler shares: scope checks for API keys, the `limit`
/// parameter, and JSON bodies in snake case with sorted keys.
package enum API {
    /// Session users act with their role; API keys also need the scope.
    package static func require(_ scope: ApiScope, _ context: AppContext) throws {
        guard let scopes = context.apiScopes else { return }
        guard scopes.contains(scope) || scopes.contains(.admin) else {
            throw UserFacingError(.forbidden, "this API key lacks the \(scope.rawValue) scope")
        }
    }

    package static func limit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 100 }
        guard let value = Int(text), (1...1_000).contains(value) else { throw UserFacingError(.badRequest, "limit must be an integer from 1 to 1000") }
        return value
    }

    package static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }
}
