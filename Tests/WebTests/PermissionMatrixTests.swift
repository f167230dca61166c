import BrokerCore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import WebKit
import App

/// Walks every route with every principal (and anonymous) and checks the answer
/// against the permission table.
@Suite struct PermissionMatrixTests {
    @Test func everyRegisteredRouteIsInThePermissionTableAndBackAgain() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let table = Set(PipstackWeb.permissions.rules.map { "\($0.method.rawValue) \($0.path)" })
        #expect(Set(harness.registered) == table)
        #expect(harness.registered.count == Set(harness.registered).count)
        // Each slice declares its own rows: no route is declared by two of them.
        #expect(PipstackWeb.permissions.rules.count == table.count)
    }

    @Test(arguments: TestDatabases.kinds)
    func everyRouteAllowsExactlyTheRolesTheTableNames(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        var sessions: [Principal: (cookie: String, csrf: String)] = [:]
        for principal in Principal.all where principal != .anonymous {
            sessions[principal] = try await harness.session(for: principal)
        }
        let frozenSessions = sessions
        try await harness.test { client in
            // Anonymous requests carry a pre-session CSRF cookie so that only permissions decide.
            let page = try await client.execute(uri: "/portal/login", method: .get)
            let anonymousCookie = page.cookie("ps_csrf") ?? ""
            let anonymousCSRF = csrfToken(in: page.text) ?? ""
            for rule in PipstackWeb.permissions.rules {
                let uri = rule.path.replacingOccurrences(of: ":id", with: "job_missing").replacingOccurrences(of: ":file", with: "app.css")
                for principal in Principal.all {
                    // The principal's session cookie plus the pre-session CSRF cookie; forms carry the
                    // token that belongs to the surface they post to.
                    // Logging out ends a session: it gets one of its own.
                    let own = rule.path.hasSuffix("/logout") && principal != .anonymous
                        ? try await harness.session(for: principal) : frozenSessions[principal]
                    let sameSurface = own != nil && (Surface.of(path: uri) == harness.surface(of: principal) || uri.hasPrefix("/api/"))
                    let cookie = [own?.cookie, anonymousCookie].compactMap { $0 }.joined(separator: "; ")
                    let csrf = sameSurface ? own!.csrf : anonymousCSRF
                    var headers: HTTPFields = [.cookie: cookie, .accept: "text/html"]
                    var body: ByteBuffer?
                    if rule.method == .post {
                        if uri.hasPrefix("/api/") {
                            headers[.contentType] = "application/json"
                            headers[HTTPField.Name("X-CSRF-Token")!] = csrf
                            body = ByteBuffer(string: #"{"kind":"test","postings":[{"account":"suspense:x:USD","amount":"1.00"},{"account":"broker_equity:x:USD","amount":"-1.00"}]}"#)
                            headers[HTTPField.Name("Idempotency-Key")!] = "matrix-\(principal.name)"
                        } else {
                            headers[.contentType] = "application/x-www-form-urlencoded"
                            body = form([("_csrf", csrf), ("email", "nobody@test.example"), ("password", "x"), ("name", "k"), ("scopes", "read"), ("code", "123456"), ("token", "t")])
                        }
                    }
                    let response = try await client.execute(uri: uri, method: rule.method, headers: headers, body: body)
                    let allowed = rule.allowed.contains(principal)
                    let status = response.status.code
                    let location = response.headers[.location] ?? ""
                    let deniedAnswer = status == 401 || status == 403 || (status == 303 && location.hasSuffix("/login"))
                    if allowed {
                        #expect(status != 403, "\(principal.name) should reach \(rule.method.rawValue) \(uri), got 403: \(response.text.prefix(200))")
                        #expect(status < 500, "\(rule.method.rawValue) \(uri) as \(principal.name) failed with \(status): \(response.text.prefix(200))")
                        if !rule.path.contains("login") && !rule.path.contains("logout") && !rule.path.contains("2fa") && !rule.path.contains("password-reset") {
                            #expect(!deniedAnswer, "\(principal.name) should reach \(rule.method.rawValue) \(uri), got \(status) \(location)")
                        }
                    } else {
                        #expect(deniedAnswer, "\(principal.name) must not reach \(rule.method.rawValue) \(uri), got \(status)")
                    }
                }
            }
        }
    }
}
