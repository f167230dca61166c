import Foundation
import HummingbirdTesting
import TestSupport
import Testing
import WebKit
import App

@Suite struct OpenAPITests {
    /// The document describes exactly the API routes the permission table knows.
    @Test func documentAndPermissionTableListTheSameAPIRoutes() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let document = try await harness.test { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                return Data(buffer: response.body)
            }
        }
        let json = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        #expect(json["openapi"] as? String == "3.1.0")
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        // The router writes parameters :name, OpenAPI {name}.
        let routed = Set(PipstackWeb.permissions.rules.filter { $0.path.hasPrefix("/api/") || $0.path.hasPrefix("/webhooks/") }.map { rule in
            let path = rule.path.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(rule.method.rawValue) \(path)"
        })
        #expect(documented == routed)
    }
}
