import BrokerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Partners
import Platform
import TestSupport
import Testing
import Trading
import WebKit

/// Each surface's home shows what its people look for first, with charts that carry their numbers.
@Suite struct HomePagesTests {
    @Test func everyHomeShowsItsFiguresChartsAndLists() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let partnerUser = try #require(harness.users[.partner])
        try await harness.services.partners.partners.create(Partner(id: "pp", userID: partnerUser.id.rawValue, name: "Portal Partner", agreementAcceptedAt: 1),
                                                            parent: nil, from: 0, audit: .system)
        // Trading accounts: two active, opened today and two days ago; one still being created.
        let services = harness.services
        try await services.trading.servers.save(TradeServerConfig(id: "mt5_live", name: "MT5 Live", environment: .live,
                                                                  endpoint: MT5Endpoint(host: "127.0.0.1", port: 1, useTLS: false), managerLogin: 1,
                                                                  password: "Manager#2026", logins: 9_000...9_999), audit: .system)
        let now = services.clock.nowMicros()
        let day: Int64 = 86_400_000_000
        let traderID = try #require(harness.users[.trader]).id.rawValue
        for (login, openedAt, active) in [(9_001, now, true), (9_002, now - 2 * day, true), (9_003, now, false)] {
            try await services.trading.accounts.insertCreating(TradingAccountRecord(serverID: "mt5_live", login: TradingLogin(UInt64(login)), userID: traderID,
                                                                                    accountTypeID: "std", group: "real\\standard", currency: "USD", leverage: 30,
                                                                                    status: .creating, tradingEnabled: true, requestID: "ta_home_\(login)",
                                                                                    lastError: "", createdAt: openedAt, updatedAt: openedAt), audit: .system)
            if active { try await services.trading.accounts.settle(serverID: "mt5_live", login: TradingLogin(UInt64(login)), status: .active, audit: .system) }
        }
        let perDay = try await services.trading.accounts.openedPerDay(from: now / day * day - 29 * day, to: now / day * day + day)
        #expect(perDay == [now / day * day: 1, (now / day - 2) * day: 1])
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        let dealing = try #require(try await harness.session(for: .staff(.dealing)))
        let trader = try #require(try await harness.session(for: .trader))
        let partner = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            let office = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: admin.cookie])
            #expect(office.text.contains("id=\"commissions\"") && office.text.contains("id=\"lots\"") && office.text.contains("id=\"new-accounts\"") && office.text.contains("id=\"active-accounts\"")
                    && office.text.contains("New trading accounts, last 30 days") && office.text.contains("Show the numbers")
                    && office.text.contains("data-tile=\"tile_payouts_awaiting\"") && office.text.contains("Trade servers: deal sync"))
            // The home shows one brand when asked; a brand that does not exist is a clear error.
            #expect(office.text.contains("<select id=\"f-brand\" name=\"brand\">") || office.text.contains("name=\"brand\""))
            let defaultBrand = try #require(await services.brands.directory().brands.first)
            let branded = try await client.execute(uri: "/admin?brand=\(defaultBrand.id.rawValue)", method: .get, headers: [.cookie: admin.cookie])
            #expect(branded.status == .ok && branded.text.contains("\(defaultBrand.name)</h1>") && branded.text.contains("data-tile=\"tile_trading_accounts\""))
            let unknown = try await client.execute(uri: "/admin?brand=nope", method: .get, headers: [.cookie: admin.cookie])
            #expect(unknown.status == .badRequest && unknown.text.contains("no brand nope"))
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

    /// The back office's aggregate figures are taken at most every ten seconds for
    /// everyone, say when they were taken, and a stale set is replaced in the background.
    @Test func theBackOfficeFiguresAreTakenAtMostEveryTenSeconds() async throws {
        let clock = ManualClock(micros: SystemClock().nowMicros())
        let harness = try await WebHarness.make("sqlite", clock: clock)
        defer { Task { await harness.db.close() } }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        let partners = { @Sendable (page: String) -> String? in
            page.range(of: #"data-tile="tile_partners">.*?<bdi>([0-9]+)</bdi>"#, options: .regularExpression)
                .map { String(page[$0]).replacingOccurrences(of: #".*<bdi>"#, with: "", options: .regularExpression).replacingOccurrences(of: "</bdi>", with: "") }
        }
        try await harness.test { client in
            let first = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: admin.cookie]).text
            #expect(partners(first) == "0")
            #expect(first.contains("id=\"figures-taken\"") && first.contains("they refresh every 10 seconds"))
            try await harness.services.partners.partners.create(Partner(id: "fresh", name: "Fresh Partner"), parent: nil, from: 0, audit: .system)
            clock.advance(seconds: 5)
            #expect(partners(try await client.execute(uri: "/admin", method: .get, headers: [.cookie: admin.cookie]).text) == "0", "within ten seconds")
            clock.advance(seconds: 6)
            var seen: String?
            for _ in 0..<100 where seen != "1" {
                seen = partners(try await client.execute(uri: "/admin", method: .get, headers: [.cookie: admin.cookie]).text)
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(seen == "1", "after ten seconds the figures are taken again")
        }
    }
}
