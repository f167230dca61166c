import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import WebKit

/// What `serve` adds on the way to production: metrics only for the scraper that holds
/// the token, HSTS, and a Content-Security-Policy that also pins the base URI.
struct HardeningTests {
    @Test func metricsAnswerOnlyTheTokenHolder() async throws {
        let token = "metrics-token-\(UUID().uuidString)"
        let harness = try await WebHarness.make("sqlite", metrics: .token(token))
        defer { Task { await harness.db.close() } }
        try await harness.test { client in
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(!anonymous.text.contains("pipstack_http"))
            let wrong = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)x"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(right.status == .ok)
            #expect(right.text.contains("pipstack_http_requests_total"))
        }
    }

    @Test func metricsCanBeOff() async throws {
        let harness = try await WebHarness.make("sqlite", metrics: .off)
        defer { Task { await harness.db.close() } }
        try await harness.test { client in
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .notFound)
        }
    }

    @Test func serveSendsHSTSAndPinsTheBaseURI() async throws {
        let harness = try await WebHarness.make("sqlite", hsts: true)
        defer { Task { await harness.db.close() } }
        try await harness.test { client in
            let page = try await client.execute(uri: "/portal/login", method: .get)
            #expect(page.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000; includeSubDomains")
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("base-uri 'none'") == true)
        }
        let demo = try await WebHarness.make("sqlite")
        defer { Task { await demo.db.close() } }
        try await demo.test { client in
            let page = try await client.execute(uri: "/portal/login", method: .get)
            #expect(page.headers[HTTPField.Name("Strict-Transport-Security")!] == nil, "plain-HTTP demos do not pin HTTPS")
        }
    }
}
