import BrokerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Partners
import TestSupport
import Testing
import WebKit

/// Each surface's home shows what its people look for first, with charts that carry their numbers.
@Suite struct HomePagesTests {
    @Test func everyHomeShowsItsFiguresChartsAndLists() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let partnerUser = try #require(harness.users[.partner])
        try await harness.services.partners.partners.create(Partner(id: "pp", userID: partnerUser.id.rawValue, name: "Portal Partner", agreementAcceptedAt: 1),
                                                            parent: nil, from: 0, audit: .system)
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        let dealing = try #require(try await harness.session(for: .staff(.dealing)))
        let trader = try #require(try await harness.session(for: .trader))
        let partner = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            let office = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: admin.cookie])
            #expect(office.text.contains("id=\"commissions\"") && office.text.contains("id=\"lots\"") && office.text.contains("Show the numbers")
                    && office.text.contains("data-tile=\"tile_payouts_awaiting\"") && office.text.contains("Trade servers: deal sync"))
            // A figure links to its page only for those who may open it.
            let desk = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: dealing.cookie])
            #expect(desk.text.contains("<a href=\"/admin/clients\">") && !desk.text.contains("<a href=\"/admin/payouts?status=awaiting_approval\">"))
            let room = try await client.execute(uri: "/portal", method: .get, headers: [.cookie: trader.cookie])
            #expect(room.text.contains("data-table=\"home-accounts\"") && room.text.contains("data-table=\"activity\"") && room.text.contains("0.00\u{00A0}USD"))
            let portal = try await client.execute(uri: "/partners", method: .get, headers: [.cookie: partner.cookie])
            #expect(portal.text.contains("data-tile=\"next_payout\"") && portal.text.contains("Not set up yet") && portal.text.contains("id=\"earnings\"")
                    && portal.text.contains("Sub-partners who earned most"))
        }
    }
}
