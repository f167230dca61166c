import BrokerCore
import HTTPTypes
import HummingbirdTesting
import Identity
import NIOCore
import Platform
import TestSupport
import Testing
import WebKit
import App

/// Brands edited in the back office take effect on the next request, are validated
/// field by field, and are audited.
@Suite struct BrandPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func adminCreatesAndEditsBrandsThatServeTheirHosts(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let session = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            var post = formHeaders(cookie: session.cookie)
            post[.accept] = "text/html"
            let list = try await client.execute(uri: "/admin/brands", method: .get, headers: [.cookie: session.cookie])
            #expect(list.status == .ok && list.text.contains("Test Markets") && list.text.contains("/admin/brands/new"))

            let created = try await client.execute(uri: "/admin/brands/new", method: .post, headers: post, body: form([
                ("_csrf", session.csrf), ("id", "brand_eu"), ("name", "EU <Markets>"), ("domains", "eu.broker.test\nEU2.broker.test"),
                ("languages", "en"), ("languages", "es"), ("default_language", "es"), ("primary_color", "#003399"),
                ("accent_color", "#ffcc00"), ("logo_url", "https://cdn.broker.test/eu.png"), ("legal_footer", "CFDs are complex instruments."),
            ]))
            #expect(created.status == .seeOther, "\(created.text.prefix(300))")

            // The new brand claims its hosts at once (the test client always sends Host: localhost).
            let directory = await harness.services.brands.directory()
            #expect(directory.brand(forHost: "eu2.broker.test:443")?.name == "EU <Markets>")
            #expect(directory.brand(forHost: "localhost")?.name == "Test Markets")

            // Editing the brand that serves localhost changes the next page, escaped.
            let edited = try await client.execute(uri: "/admin/brands/brand_test", method: .post, headers: post, body: form([
                ("_csrf", session.csrf), ("name", "Test <Markets>"), ("domains", "localhost"), ("languages", "en"), ("languages", "es"),
                ("default_language", "es"), ("primary_color", "#112233"), ("accent_color", "#445566"), ("logo_url", ""),
                ("legal_footer", "CFDs are complex instruments."), ("is_default", "yes"),
            ]))
            #expect(edited.status == .seeOther, "\(edited.text.prefix(300))")
            let page = try await client.execute(uri: "/portal/login", method: .get)
            #expect(page.text.contains("Test &lt;Markets&gt;") && !page.text.contains("Test <Markets>"))
            #expect(page.text.contains("#112233") && page.text.contains("CFDs are complex instruments."))
            #expect(page.text.contains("lang=\"es\""))

            // Field-by-field validation: nothing saved, the form comes back naming the field.
            let bad = try await client.execute(uri: "/admin/brands/brand_eu", method: .post, headers: post, body: form([
                ("_csrf", session.csrf), ("name", "EU"), ("domains", "eu.broker.test"), ("languages", "en"),
                ("default_language", "en"), ("primary_color", "red;}body{display:none"), ("accent_color", "#ffcc00"),
                ("logo_url", ""), ("legal_footer", ""),
            ]))
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("primary_color"))
            let noLanguage = try await client.execute(uri: "/admin/brands/brand_eu", method: .post, headers: post, body: form([
                ("_csrf", session.csrf), ("name", "EU"), ("domains", "eu.broker.test"), ("default_language", "en"),
                ("primary_color", "#003399"), ("accent_color", "#ffcc00"), ("logo_url", ""), ("legal_footer", ""),
            ]))
            #expect(noLanguage.status == .badRequest && noLanguage.text.contains("languages"))
            #expect(await harness.services.brands.directory().brand(forHost: "eu.broker.test")?.name == "EU <Markets>")

            // Making it the default leaves exactly one default brand.
            let promoted = try await client.execute(uri: "/admin/brands/brand_eu", method: .post, headers: post, body: form([
                ("_csrf", session.csrf), ("name", "EU Markets"), ("domains", "eu.broker.test"), ("languages", "en"),
                ("default_language", "en"), ("primary_color", "#003399"), ("accent_color", "#ffcc00"), ("logo_url", ""),
                ("legal_footer", "Risk"), ("is_default", "yes"),
            ]))
            #expect(promoted.status == .seeOther)
            #expect(await harness.services.brands.directory().brand(forHost: "nobody.example")?.name == "EU Markets")
            let missing = try await client.execute(uri: "/admin/brands/brand_nope", method: .get, headers: [.cookie: session.cookie])
            #expect(missing.status == .notFound)
        }
        let brands = try await harness.services.brandStore.all()
        #expect(brands.filter(\.isDefault).map(\.id) == ["brand_eu"])
        let events = try await harness.db.read { sql in try await AuditLog.recent(on: sql, limit: 20, entityType: "brand", entityID: "brand_eu") }
        #expect(events.count == 2)   // created, promoted; the refused edits left no trace
        #expect(events.allSatisfy { $0.entry.action == "brand.save" && $0.entry.actor.contains("staff") })
    }

    @Test func changesAreValidatedFieldByField() throws {
        let base = BrandChanges.blank(id: "brand_x", isFirst: true)
        #expect(throws: BrandValidationError(field: "domains", message: "bad/host is not a host name")) {
            try BrandChanges(domains: "ok.example, bad/host").applied(to: base)
        }
        #expect((try? BrandChanges(domains: "ok.example,bad_host").applied(to: base)) == nil)
        #expect((try? BrandChanges(logoURL: "javascript:alert(1)").applied(to: base)) == nil)
        #expect((try? BrandChanges(logoURL: "https://x.example/a\"onload=").applied(to: base)) == nil)
        #expect((try? BrandChanges(languages: "en,fr").applied(to: base)) == nil)
        #expect((try? BrandChanges(languages: "es", defaultLanguage: "en").applied(to: base)) == nil)
        let spanish = try BrandChanges(languages: "es,ar").applied(to: base)
        #expect(spanish.defaultLanguage == .es)   // the old default is not offered any more
        #expect(!BrandChanges.isValidID("Brand EU") && BrandChanges.isValidID("brand_eu-2"))
    }
}
