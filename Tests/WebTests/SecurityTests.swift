import BrokerCore
import HTTPTypes
import HummingbirdTesting
import Identity
import NIOCore
import SQLKit
import Platform
import TestSupport
import Testing
import WebKit
import App

@Suite struct SecurityTests {
    @Test(arguments: TestDatabases.kinds)
    func formPostsWithoutTheirCSRFTokenAreRefused(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        let email = harness.users[.trader]!.email
        try await harness.test { client in
            let page = try await client.execute(uri: "/portal/login", method: .get)
            let cookie = try #require(page.cookie("ps_csrf"))
            for fields in [[("email", email), ("password", WebHarness.password)],
                           [("_csrf", "forged"), ("email", email), ("password", WebHarness.password)]] {
                let login = try await client.execute(uri: "/portal/login", method: .post, headers: formHeaders(cookie: cookie), body: form(fields))
                #expect(login.status == .forbidden)
                #expect(login.cookie("ps_portal") == nil)
            }
            // Logged in: a state change without the session's token is refused too.
            let keys = try await client.execute(uri: "/admin/api-keys", method: .post, headers: formHeaders(cookie: admin.cookie),
                                                body: form([("name", "x"), ("scopes", "read")]))
            #expect(keys.status == .forbidden)
            // A session-authenticated API call that changes data needs X-CSRF-Token.
            let api = try await client.execute(uri: "/api/v1/ledger/transactions", method: .post,
                                               headers: [.cookie: admin.cookie, .contentType: "application/json"],
                                               body: ByteBuffer(string: "{}"))
            #expect(api.status == .forbidden)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func storedStringsRenderEscaped(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let hostile = "<script>alert('x')</script>\"&"
        let user = try await harness.services.identity.createUser(kind: .trader, email: "xss@test.example", password: WebHarness.password,
                                                                  displayName: hostile, brandID: "brand_test", audit: .system)
        let (token, _) = try await harness.services.sessions.create(user: user, surface: "portal", secondFactorOK: true, ip: "1", userAgent: hostile, audit: .system)
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            for (uri, cookie) in [("/portal", "ps_portal=\(token)"), ("/admin/users", admin.cookie), ("/admin/audit?entity_type=\(hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", admin.cookie)] {
                let page = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
                #expect(page.status == .ok, "\(uri)")
                #expect(!page.text.contains("<script>"), "\(uri) renders a raw script tag")
            }
            let page = try await client.execute(uri: "/portal", method: .get, headers: [.cookie: "ps_portal=\(token)"])
            #expect(page.text.contains("&lt;script&gt;"))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func sqlMetacharactersInEveryFilterAreInert(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        let attacks = ["' OR '1'='1", "1; DROP TABLE users; --", "\" OR 1=1 --", "%' UNION SELECT * FROM sessions --", "\\'; DELETE FROM audit_events; --"]
        let filters = ["/admin/users?q=", "/admin/users?kind=", "/admin/audit?entity_type=", "/admin/audit?entity_id=", "/admin/jobs?status=",
                       "/api/v1/audit/events?entity_type=", "/api/v1/audit/events?entity_id=", "/api/v1/jobs?status=", "/api/v1/ledger/transactions?limit="]
        let usersBefore = try await harness.services.identity.users().count
        try await harness.test { client in
            for filter in filters {
                for attack in attacks {
                    let encoded = attack.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                    let response = try await client.execute(uri: filter + encoded, method: .get, headers: [.cookie: admin.cookie])
                    #expect([200, 400].contains(response.status.code), "\(filter)\(attack) -> \(response.status.code)")
                    if filter.contains("/api/v1/audit/events") {
                        #expect(response.text.contains("\"events\":[]"), "a filter matched rows it should not: \(filter)\(attack)")
                    }
                }
            }
        }
        #expect(try await harness.services.identity.users().count == usersBefore)
        let chain = try await harness.db.read { try await AuditLog.verify(on: $0) }
        guard case .intact = chain else { Issue.record("audit chain damaged: \(chain)"); return }
    }
}

/// A pipeline stopped on an error retrying cannot fix makes the instance not ready and
/// is the first thing staff read on the back-office home.
@Suite struct PipelineStoppedPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func readinessAndTheHomePageNameTheStoppedPipeline(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        let (cookie, _) = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin", method: .get, headers: [.cookie: cookie]) { response in
                #expect(!response.text.contains("pipelines-stopped"))
            }
        }
        await harness.services.health.stop("commission pipeline", reason: "broken invariant: 2 commission lines of feed batch comm:USD:1-9 existed already")
        try await harness.test { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.text.contains("pipeline stopped: commission pipeline: broken invariant"))
            }
            try await client.execute(uri: "/admin", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("id=\"pipelines-stopped\""))
                #expect(response.text.contains("commission pipeline"))
                #expect(response.text.contains("existed already"))
            }
        }
        await harness.db.close()
    }
}
