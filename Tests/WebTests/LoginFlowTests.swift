import Foundation
import BrokerCore
import HTTPTypes
import HummingbirdTesting
import Identity
import NIOCore
import TestSupport
import Testing
import WebKit
import App
import Partners

@Suite struct LoginFlowTests {
    @Test(arguments: TestDatabases.kinds)
    func everySurfaceLogsInShowsItsHomeAndIssuesANewSessionAtEachLogin(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let cases: [(Principal, Surface, String)] = [(.staff(.admin), .admin, "Back office"), (.trader, .portal, "Your trader"), (.partner, .partners, "Partner dashboard")]
        for (principal, surface, heading) in cases {
            let email = harness.users[principal]!.email
            try await harness.test { client in
                // The login page sets a pre-session CSRF cookie and puts the token in the form.
                let page = try await client.execute(uri: "\(surface.basePath)/login", method: .get)
                #expect(page.status == .ok)
                let csrfCookie = try #require(page.cookie("ps_csrf"))
                let token = try #require(csrfToken(in: page.text))

                var sessions: [String] = []
                for _ in 0..<2 {
                    let login = try await client.execute(uri: "\(surface.basePath)/login", method: .post, headers: formHeaders(cookie: csrfCookie),
                                                         body: form([("_csrf", token), ("email", email), ("password", WebHarness.password)]))
                    #expect(login.status == .seeOther)
                    #expect(login.headers[.location] == surface.basePath)
                    let session = try #require(login.cookie(surface.cookieName))
                    let setCookie = login.headers[values: .setCookie].joined()
                    #expect(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Lax"))
                    sessions.append(session)
                }
                #expect(sessions[0] != sessions[1])

                let home = try await client.execute(uri: surface.basePath, method: .get, headers: [.cookie: sessions[1]])
                #expect(home.status == .ok)
                #expect(home.text.contains(heading))
                #expect(home.text.contains("User \(principal.name)"))

                // Another surface's cookie does not open this one.
                let other = surface == .admin ? "/portal" : "/admin"
                let wrong = try await client.execute(uri: other, method: .get, headers: [.cookie: sessions[1].replacingOccurrences(of: surface.cookieName, with: Surface.of(path: other)!.cookieName)])
                #expect(wrong.status == .seeOther)

                // Logout ends the session.
                let csrf = try #require(csrfToken(in: home.text))
                let logout = try await client.execute(uri: "\(surface.basePath)/logout", method: .post, headers: formHeaders(cookie: sessions[1]),
                                                      body: form([("_csrf", csrf)]))
                #expect(logout.status == .seeOther)
                let after = try await client.execute(uri: surface.basePath, method: .get, headers: [.cookie: sessions[1]])
                #expect(after.status == .seeOther)
                #expect(after.headers[.location] == "\(surface.basePath)/login")
            }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func wrongPasswordsLockTheAccountAndTheLockIsAudited(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let email = harness.users[.trader]!.email
        try await harness.test { client in
            let page = try await client.execute(uri: "/portal/login", method: .get)
            let cookie = try #require(page.cookie("ps_csrf"))
            let token = try #require(csrfToken(in: page.text))
            for _ in 0..<5 {
                let attempt = try await client.execute(uri: "/portal/login", method: .post, headers: formHeaders(cookie: cookie),
                                                       body: form([("_csrf", token), ("email", email), ("password", "wrong password!")]))
                #expect(attempt.status == .unauthorized)
            }
            let locked = try await client.execute(uri: "/portal/login", method: .post, headers: formHeaders(cookie: cookie),
                                                  body: form([("_csrf", token), ("email", email), ("password", WebHarness.password)]))
            #expect(locked.status == .unauthorized, "the right password does not open a locked account")
            // The answer for a locked account is the answer for an email nobody has: it tells no one which emails exist.
            let unknown = try await client.execute(uri: "/portal/login", method: .post, headers: formHeaders(cookie: cookie),
                                                   body: form([("_csrf", token), ("email", "nobody-\(UUID().uuidString)@test.example"), ("password", "x")]))
            #expect(unknown.status == locked.status)
            let message = { (text: String) in text.range(of: #"<p class="error" role="alert">[^<]*</p>"#, options: .regularExpression).map { String(text[$0]) } }
            #expect(message(locked.text) != nil && message(locked.text) == message(unknown.text))
        }
        let events = try await harness.db.read { try await AuditLogQuery.actions(on: $0) }
        #expect(events.contains("user.locked"))
    }

    @Test(arguments: TestDatabases.kinds)
    func passwordResetByEmailWorksOnceAndRevealsNothing(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let email = harness.users[.partner]!.email
        try await harness.test { client in
            let page = try await client.execute(uri: "/partners/password-reset", method: .get)
            let cookie = try #require(page.cookie("ps_csrf"))
            let token = try #require(csrfToken(in: page.text))
            let unknown = try await client.execute(uri: "/partners/password-reset", method: .post, headers: formHeaders(cookie: cookie),
                                                   body: form([("_csrf", token), ("email", "nobody@test.example")]))
            let known = try await client.execute(uri: "/partners/password-reset", method: .post, headers: formHeaders(cookie: cookie),
                                                 body: form([("_csrf", token), ("email", email)]))
            #expect(unknown.status == .ok && known.status == .ok)
            #expect(unknown.text == known.text)

            // The email sits in the outbox with the link.
            let jobs = try await harness.services.jobs.list()
            #expect(jobs.count == 1)
            let link = try #require(jobs.first?.payload.range(of: "token=").map { jobs[0].payload[$0.upperBound...].prefix { $0.isHexDigit } })
            for (attempt, expected) in [(0, HTTPResponse.Status.ok), (1, .badRequest)] {
                let confirm = try await client.execute(uri: "/partners/password-reset/confirm", method: .post, headers: formHeaders(cookie: cookie),
                                                       body: form([("_csrf", token), ("token", String(link)), ("password", "a brand new password")]))
                #expect(confirm.status == expected, "attempt \(attempt)")
            }
        }
        let check = try await harness.services.identity.verifyPassword(email: email, password: "a brand new password", kind: .partner, audit: .system)
        guard case .ok = check else { Issue.record("new password does not work"); return }
    }

    @Test(arguments: TestDatabases.kinds)
    func staffWithEnforcedTwoFactorEnrolAndVerifyTOTP(kind: String) async throws {
        let harness = try await WebHarness.make(kind, twoFactorRoles: [.admin])
        defer { Task { await harness.db.close() } }
        let admin = harness.users[.staff(.admin)]!
        try await harness.test { client in
            let page = try await client.execute(uri: "/admin/login", method: .get)
            let cookie = try #require(page.cookie("ps_csrf"))
            let token = try #require(csrfToken(in: page.text))
            let login = try await client.execute(uri: "/admin/login", method: .post, headers: formHeaders(cookie: cookie),
                                                 body: form([("_csrf", token), ("email", admin.email), ("password", WebHarness.password)]))
            #expect(login.headers[.location] == "/admin/2fa")
            let session = try #require(login.cookie("ps_admin"))
            // Without the second factor the back office stays closed.
            let blocked = try await client.execute(uri: "/admin/users", method: .get, headers: [.cookie: session])
            #expect(blocked.headers[.location] == "/admin/2fa")
            let api = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: session])
            #expect(api.status == .unauthorized)

            let setup = try await client.execute(uri: "/admin/2fa", method: .get, headers: [.cookie: session])
            let secret = try #require(setup.text.range(of: "id=\"totp-secret\">").map { String(setup.text[$0.upperBound...].prefix { $0 != "<" }) })
            let csrf = try #require(csrfToken(in: setup.text))
            let bad = try await client.execute(uri: "/admin/2fa", method: .post, headers: formHeaders(cookie: session),
                                               body: form([("_csrf", csrf), ("code", "000000")]))
            #expect(bad.status == .unauthorized)
            let code = TOTPCheck.code(secret: secret, atMicros: harness.services.clock.nowMicros())
            let good = try await client.execute(uri: "/admin/2fa", method: .post, headers: formHeaders(cookie: session),
                                                body: form([("_csrf", csrf), ("code", code)]))
            #expect(good.headers[.location] == "/admin")
            let open = try await client.execute(uri: "/admin/users", method: .get, headers: [.cookie: session])
            #expect(open.status == .ok)
        }
        #expect(try await harness.services.identity.user(id: admin.id)?.totpEnabled == true)
    }
}
