import BrokerCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Partners
import TestSupport
import Testing

/// Regression tests for the defects found while using the demo as a new user would.
struct InterfaceDefectTests {
    /// The back-office home counted partner logins as partners.
    @Test func thePartnersTileCountsPartnersNotTheirLogins() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        // Three partner records, only one of which (the harness's) has a login.
        for id in ["p1", "p2", "p3"] {
            try await harness.services.partners.partners.create(Partner(id: PartnerID(id), name: "Partner \(id)"), parent: nil, from: 0, audit: .system)
        }
        let session = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            let home = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: session.cookie])
            #expect(home.text.contains(#"data-tile="tile_partners"><div class="tile-label"><a href="/admin/partners">Partners</a></div><div class="tile-value"><bdi>3</bdi>"#))
        }
    }

    /// The trader's name in the header was followed by a stray "·" (an empty role).
    @Test func theHeaderShowsATradersNameAloneAndAStaffMembersRole() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let trader = try #require(try await harness.session(for: .trader))
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            let portal = try await client.execute(uri: "/portal", method: .get, headers: [.cookie: trader.cookie])
            #expect(portal.text.contains(#"<a class="who" href="/portal/profile">User trader</a>"#))
            let office = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: admin.cookie])
            #expect(office.text.contains(#"<a class="who" href="/admin/profile">User staff:admin <span class="role">("#))
        }
    }

    /// The partner agreement page was not in the partner portal's navigation.
    @Test func thePartnerAgreementIsInThePortalsMenu() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let partner = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            let home = try await client.execute(uri: "/partners", method: .get, headers: [.cookie: partner.cookie])
            let sidebar = try #require(home.text.range(of: #"<nav class="sidebar"[^>]*>[\s\S]*?</nav>"#, options: .regularExpression))
            #expect(home.text[sidebar].contains(#"href="/partners/agreement""#))
        }
    }

    /// Bad query parameters were silently ignored; now the page says which and why.
    @Test func aBadQueryParameterIsNamedNotIgnored() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            for (uri, name) in [("/admin/commissions?from=garbage", "from"), ("/admin/commissions?to=2026-13-45", "to"),
                                ("/admin/jobs?status=sleeping", "status"), ("/admin/users?kind=robot", "kind"),
                                ("/admin/payouts?status=maybe", "status"), ("/admin/trading-accounts?status=zombie", "status")] {
                let page = try await client.execute(uri: uri, method: .get, headers: [.cookie: admin.cookie, .accept: "text/html"])
                #expect(page.status == .badRequest, "\(uri)")
                #expect(page.text.contains("\(name): &quot;"), "\(uri) names the parameter: \(page.text.prefix(300))")
            }
            let fine = try await client.execute(uri: "/admin/commissions?from=&to=", method: .get, headers: [.cookie: admin.cookie])
            #expect(fine.status == .ok, "empty means not given")
        }
    }
}
