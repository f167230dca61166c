import BrokerCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Platform
import TestSupport
import Testing
import WebKit

/// A person's language and time zone are theirs: set on the profile, kept on the
/// user (so emails use the language), and every page follows them.
@Suite struct ProfileTests {
    @Test(arguments: TestDatabases.kinds)
    func aTraderChoosesLanguageAndTimeZone(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let trader = try #require(harness.users[.trader])
        let session = try #require(try await harness.session(for: .trader))
        try await harness.test { client in
            let page = try await client.execute(uri: "/portal/profile", method: .get, headers: [.cookie: session.cookie])
            #expect(page.status == .ok && page.text.contains("name=\"time_zone\"") && page.text.contains("href=\"/portal/profile\""))
            let bad = try await client.execute(uri: "/portal/profile", method: .post, headers: formHeaders(cookie: session.cookie),
                                               body: form([("_csrf", session.csrf), ("language", "es"), ("time_zone", "Mars/Olympus")]))
            #expect(bad.status == .badRequest && bad.text.contains("Choose a time zone from the list."))
            let saved = try await client.execute(uri: "/portal/profile", method: .post, headers: formHeaders(cookie: session.cookie),
                                                 body: form([("_csrf", session.csrf), ("language", "es"), ("time_zone", "Asia/Dubai")]))
            #expect(saved.status == .seeOther)
            // Without any ?lang or cookie, the pages are in the person's language.
            let home = try await client.execute(uri: "/portal/profile", method: .get, headers: [.cookie: session.cookie])
            #expect(home.text.contains("<html lang=\"es\"") && home.text.contains("Su perfil") && home.text.contains("<option value=\"Asia/Dubai\" selected"))
            // Switching language on a page keeps it for the person.
            _ = try await client.execute(uri: "/portal/profile?lang=ar", method: .get, headers: [.cookie: session.cookie])
        }
        let stored = try #require(try await harness.services.identity.user(id: trader.id))
        #expect(stored.language == "ar" && stored.timeZone == "Asia/Dubai")
        // Times read in the person's zone; UTC stays on hover.
        let format = harness.services.web.formats.format(.en, timeZone: try #require(TimeZone(identifier: "Asia/Dubai")))
        #expect(format.time(0).contains("4:00") && format.utc(0).contains("00:00"))
    }
}
