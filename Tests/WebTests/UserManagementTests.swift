import BrokerCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Partners
import Platform
import TestSupport
import Testing
import WebKit

/// People get their logins by invitation, end to end: the back office invites, the
/// email goes out through the file mailer, the person opens the link, chooses a
/// password, logs in (staff enrol their second factor) and sees their surface.
/// Administrators manage access afterwards; every step is audited.
@Suite struct UserManagementTests {
    /// Delivers the queued emails through the file mailer, as the job worker does, and reads them back.
    static func deliverMail(_ harness: WebHarness) async throws -> [String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-mail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailer = FileMailer(folder: folder, from: "no-reply@office.test")
        let worker = JobWorker(queue: harness.services.jobs, handlers: [MailMessage.jobKind: { job in
            try await mailer.send(try JSONDecoder().decode(MailMessage.self, from: Data(job.payload.utf8)), id: job.id)
        }], logger: TestDatabases.logger)
        try await worker.runOnce()
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return try files.map { try String(contentsOf: $0, encoding: .utf8) }
    }

    /// The one-time link in an email, as a path and query on the test server.
    static func link(in mail: String) throws -> String {
        let start = try #require(mail.range(of: "https://office.test"))
        return String(mail[start.upperBound...].prefix { !$0.isWhitespace })
    }

    /// Opens an anonymous page and returns its CSRF cookie and token.
    static func anonymousForm(_ client: any TestClientProtocol, _ uri: String) async throws -> (page: TestResponse, cookie: String, csrf: String) {
        let page = try await client.execute(uri: uri, method: .get)
        return (page, try #require(page.cookie("ps_csrf")), try #require(csrfToken(in: page.text)))
    }

    @Test(arguments: TestDatabases.kinds)
    func aPartnerCreatedInTheBackOfficeIsInvitedSetsAPasswordAndSeesThePortal(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let manager = try #require(try await harness.session(for: .staff(.ibManager)))
        try await harness.test { client in
            let created = try await client.execute(uri: "/admin/partners", method: .post, headers: formHeaders(cookie: manager.cookie), body: form([
                ("_csrf", manager.csrf), ("id", "nova"), ("name", "Nova Introducers"), ("email", "Desk@Nova.example"), ("kind", "ib"),
                ("legal_type", "company"), ("parent", ""), ("plan", ""), ("from", ""),
            ]))
            #expect(created.status == .seeOther && created.headers[.location] == "/admin/partners/nova?invited=1")
            let partner = try #require(try await harness.services.partners.partners.partner("nova"))
            let login = try #require(try await harness.services.identity.user(id: UserID(partner.userID)))
            #expect(login.kind == .partner && login.status == "invited" && login.email == "desk@nova.example")
            let profile = try await client.execute(uri: "/admin/partners/nova?invited=1", method: .get, headers: [.cookie: manager.cookie])
            #expect(profile.text.contains("Invitation sent to the partner&#39;s email.") && profile.text.contains("Invited"))

            // Before accepting, the invited login cannot be used.
            let early = try await harness.services.identity.verifyPassword(email: "desk@nova.example", password: "anything at all", kind: .partner, audit: .system)
            #expect(early == .invalid)

            let mails = try await Self.deliverMail(harness)
            let mail = try #require(mails.first { $0.contains("To: desk@nova.example") })
            #expect(mail.contains("Subject: Your Test Markets login") && mail.contains("Hello Nova Introducers"))
            let link = try Self.link(in: mail)
            #expect(link.hasPrefix("/partners/invitation?token="))

            let (page, cookie, csrf) = try await Self.anonymousForm(client, link)
            #expect(page.status == .ok && page.text.contains("Hello Nova Introducers") && page.headers[.cacheControl] == "no-store")
            let token = String(link.split(separator: "=").last ?? "")
            let weak = try await client.execute(uri: "/partners/invitation", method: .post, headers: formHeaders(cookie: cookie),
                                                body: form([("_csrf", csrf), ("token", token), ("password", "short")]))
            #expect(weak.status == .badRequest && weak.text.contains("at least 10 characters"))
            let accepted = try await client.execute(uri: "/partners/invitation", method: .post, headers: formHeaders(cookie: cookie),
                                                    body: form([("_csrf", csrf), ("token", token), ("password", "nova partner password")]))
            #expect(accepted.status == .seeOther && accepted.headers[.location] == "/partners/login?welcome=1")
            // The link works once.
            let again = try await client.execute(uri: link, method: .get)
            #expect(again.status == .notFound && again.text.contains("invalid, used or expired"))

            let (_, loginCookie, loginCSRF) = try await Self.anonymousForm(client, "/partners/login?welcome=1")
            let signedIn = try await client.execute(uri: "/partners/login", method: .post, headers: formHeaders(cookie: loginCookie), body: form([
                ("_csrf", loginCSRF), ("email", "desk@nova.example"), ("password", "nova partner password"),
            ]))
            #expect(signedIn.headers[.location] == "/partners")
            let session = try #require(signedIn.cookie("ps_partners"))
            let home = try await client.execute(uri: "/partners", method: .get, headers: [.cookie: session])
            #expect(home.status == .ok && home.text.contains("Nova Introducers"))
        }
        let actions = try await harness.db.read { sql in try await AuditLogQuery.actions(on: sql) }
        #expect(["user.invite", "partner.login_linked", "user.invitation_accepted"].allSatisfy(actions.contains))
    }

    @Test(arguments: TestDatabases.kinds)
    func aStaffMemberIsInvitedInTheirLanguageAndEnrolsASecondFactor(kind: String) async throws {
        // The policy `serve` applies: finance must use an authenticator.
        let harness = try await WebHarness.make(kind, twoFactorRoles: [.admin, .finance, .compliance])
        defer { Task { await harness.db.close() } }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            let bad = try await client.execute(uri: "/admin/users/invite", method: .post, headers: formHeaders(cookie: admin.cookie), body: form([
                ("_csrf", admin.csrf), ("kind", "staff"), ("role", "finance"), ("name", "Fina"), ("email", "not-an-email"), ("language", "es"),
            ]))
            #expect(bad.status == .badRequest && bad.text.contains("Enter a valid email address") && bad.text.contains("value=\"Fina\""))
            let invited = try await client.execute(uri: "/admin/users/invite", method: .post, headers: formHeaders(cookie: admin.cookie), body: form([
                ("_csrf", admin.csrf), ("kind", "staff"), ("role", "finance"), ("name", "Fina Ledger"), ("email", "fina@test.example"), ("language", "es"),
            ]))
            #expect(invited.status == .seeOther)
            let user = try #require(try await harness.services.identity.user(email: "fina@test.example", kind: .staff))
            #expect(invited.headers[.location] == "/admin/users/\(user.id)?done=invited" && user.role == .finance && user.language == "es")

            // The invitation goes out in the person's language.
            let mail = try #require(try await Self.deliverMail(harness).first { $0.contains("To: fina@test.example") })
            #expect(mail.contains("Subject: Su acceso a Test Markets") && mail.contains("Hola, Fina Ledger"))
            let link = try Self.link(in: mail)
            let (_, cookie, csrf) = try await Self.anonymousForm(client, link)
            let token = String(link.split(separator: "=").last ?? "")
            // A staff link does not open on another surface.
            let elsewhere = try await client.execute(uri: "/portal/invitation?token=\(token)", method: .get)
            #expect(elsewhere.status == .notFound)
            let accepted = try await client.execute(uri: "/admin/invitation", method: .post, headers: formHeaders(cookie: cookie),
                                                    body: form([("_csrf", csrf), ("token", token), ("password", "fina ledger password")]))
            #expect(accepted.headers[.location] == "/admin/login?welcome=1")

            let (_, loginCookie, loginCSRF) = try await Self.anonymousForm(client, "/admin/login")
            let login = try await client.execute(uri: "/admin/login", method: .post, headers: formHeaders(cookie: loginCookie), body: form([
                ("_csrf", loginCSRF), ("email", "fina@test.example"), ("password", "fina ledger password"),
            ]))
            #expect(login.headers[.location] == "/admin/2fa", "finance enrols an authenticator first")
            let session = try #require(login.cookie("ps_admin"))
            let setup = try await client.execute(uri: "/admin/2fa", method: .get, headers: [.cookie: session])
            let secret = try #require(setup.text.range(of: "id=\"totp-secret\">").map { String(setup.text[$0.upperBound...].prefix { $0 != "<" }) })
            let code = TOTPCheck.code(secret: secret, atMicros: harness.services.clock.nowMicros())
            let enrolled = try await client.execute(uri: "/admin/2fa", method: .post, headers: formHeaders(cookie: session),
                                                    body: form([("_csrf", try #require(csrfToken(in: setup.text))), ("code", code)]))
            #expect(enrolled.headers[.location] == "/admin")
            let payouts = try await client.execute(uri: "/admin/payouts", method: .get, headers: [.cookie: session])
            #expect(payouts.status == .ok, "a finance page opens for the new finance user")

            // The administrator manages the access: the second factor, the password, the login itself.
            let page = try await client.execute(uri: "/admin/users/\(user.id)", method: .get, headers: [.cookie: admin.cookie])
            #expect(page.text.contains("Reset the second factor") && page.text.contains("Force a new password") && page.text.contains("Accepted the invitation"))
            for action in ["reset-2fa", "expire-password"] {
                let done = try await client.execute(uri: "/admin/users/\(user.id)/\(action)", method: .post, headers: formHeaders(cookie: admin.cookie),
                                                    body: form([("_csrf", admin.csrf)]))
                #expect(done.headers[.location] == "/admin/users/\(user.id)?done=\(action)")
            }
            let ended = try await client.execute(uri: "/admin/payouts", method: .get, headers: [.cookie: session])
            #expect(ended.status != .ok, "the person's sessions ended")
            let renewal = try #require(try await Self.deliverMail(harness).first { $0.contains("To: fina@test.example") })
            #expect(renewal.contains("Elija una nueva contraseña de Test Markets"))
            let disabled = try await client.execute(uri: "/admin/users/\(user.id)/status", method: .post, headers: formHeaders(cookie: admin.cookie),
                                                    body: form([("_csrf", admin.csrf), ("active", "no")]))
            #expect(disabled.status == .seeOther)
            // No one takes away their own access.
            let adminID = try #require(harness.users[.staff(.admin)]).id
            let own = try await client.execute(uri: "/admin/users/\(adminID)/status", method: .post, headers: formHeaders(cookie: admin.cookie),
                                               body: form([("_csrf", admin.csrf), ("active", "no")]))
            #expect(own.status == .badRequest && own.text.contains("cannot change your own access"))
        }
        let after = try #require(try await harness.services.identity.user(email: "fina@test.example", kind: .staff))
        #expect(after.status == "disabled" && !after.totpEnabled)
        let old = try await harness.services.identity.verifyPassword(email: "fina@test.example", password: "fina ledger password", kind: .staff, audit: .system)
        #expect(old == .invalid)
        let actions = try await harness.db.read { sql in try await AuditLogQuery.actions(on: sql) }
        #expect(["user.invite", "user.invitation_accepted", "user.second_factor_reset", "user.password_expired", "user.disabled"].allSatisfy(actions.contains))
    }

    /// Only administrators manage logins.
    @Test func onlyAdministratorsInviteAndManageLogins() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let finance = try #require(try await harness.session(for: .staff(.finance)))
        let trader = try #require(harness.users[.trader])
        try await harness.test { client in
            let invite = try await client.execute(uri: "/admin/users/invite", method: .post, headers: formHeaders(cookie: finance.cookie), body: form([
                ("_csrf", finance.csrf), ("kind", "trader"), ("name", "Tina"), ("email", "tina@test.example"), ("language", "en"),
            ]))
            #expect(invite.status == .forbidden)
            let disable = try await client.execute(uri: "/admin/users/\(trader.id)/status", method: .post, headers: formHeaders(cookie: finance.cookie),
                                                   body: form([("_csrf", finance.csrf), ("active", "no")]))
            #expect(disable.status == .forbidden)
        }
    }
}
