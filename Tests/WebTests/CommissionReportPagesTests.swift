import BrokerCore
import CommissionsCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import Money
import Partners
import TestSupport
import Testing
import WebKit
import App
import Commissions
import CommissionsWeb
import Trading
import Platform

/// Commission reports in the back office: totals, a partner's lines, and a deal's
/// lines explained and checked against what was stored.
@Suite struct CommissionReportPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func financeReadsTotalsLinesAndExplanations(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let partners = harness.services.partners
        try await partners.partners.create(Partner(id: "ib", name: "IB <One>"), parent: nil, from: 0, audit: .system)
        try await partners.plans.save(CommissionPlan(id: "gold", name: "Gold", rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: "7.00"))]),
                                      effectiveFrom: 0, audit: .system)
        try await partners.plans.assign("ib", plan: "gold", from: 0, audit: .system)
        try await partners.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:42", partnerID: "ib"), from: 0, audit: .system)
        let now = harness.services.clock.nowMicros()
        let deals = try DealStore(db: harness.db)
        try await deals.store(DealSyncBatch(serverID: "mt5", deals: [
            TradeDeal(ticket: 77, login: TradingLogin(42), action: .sell, entry: .entryOut, reason: 0, symbol: "EURUSD", time: now,
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: 150_000_000), contractSize: 100_000, profit: .zero),
        ], cursorTime: 0))
        let pipeline = try CommissionPipeline(db: harness.db, deals: deals, ledger: harness.services.ledger, clock: harness.services.clock,
                                              logger: TestDatabases.logger)
        try await pipeline.process(DealFeedBatch(deals: try await deals.feed(after: 0)))
        let finance = try #require(try await harness.session(for: .staff(.finance)))
        try await harness.test { client in
            let headers: HTTPFields = [.cookie: finance.cookie, .accept: "text/html"]
            let totals = try await client.execute(uri: "/admin/commissions", method: .get, headers: headers)
            #expect(totals.status == .ok && totals.text.contains("10.50") && totals.text.contains("/admin/commissions/lines?partner=ib"))
            let symbols = try await client.execute(uri: "/admin/commissions?partner=ib", method: .get, headers: headers)
            #expect(symbols.text.contains("by symbol") && symbols.text.contains("EURUSD"))
            let lines = try await client.execute(uri: "/admin/commissions/lines?partner=ib", method: .get, headers: headers)
            #expect(lines.status == .ok && lines.text.contains("mt5:77") && lines.text.contains("/admin/commissions/explain?server=mt5&amp;ticket=77"))
            let explained = try await client.execute(uri: "/admin/commissions/explain?server=mt5&ticket=77", method: .get, headers: headers)
            #expect(explained.status == .ok && explained.text.contains("the same lines as stored"))
            #expect(explained.text.contains("7.00 per lot x 1.5 lots = 10.50"))
            // The engine's own notes read as whole sentences in Arabic: the amount before the partner, ids and numbers kept.
            let notes = try #require(try await CommissionReports(db: harness.db, clock: harness.services.clock).explain(server: "mt5", ticket: 77, currency: .usd)).notes
            let arabic = try CatalogueTests.catalogue("ar")
            let inArabic = notes.map { ExplainText.localized($0, { arabic[$0] ?? $0 }) }
            #expect(inArabic.contains("يدفع 10.50 USD إلى ib في المستوى 1 عن القاعدة rebate: الفرق: الخاص 10.50 - المستوى الأدنى 0.00"), "\(notes) \(inArabic)")
            #expect(inArabic.contains("المستوى 1، الخطة gold الإصدار 1، القاعدة rebate: 7.00 لكل لوت × 1.5 لوت = 10.50"), "\(inArabic)")
            let missing = try await client.execute(uri: "/admin/commissions/explain?server=mt5&ticket=78", method: .get, headers: headers)
            #expect(missing.status == .notFound)

            // The plan corrected from the start, then the period recalculated: the deal is reversed and computed anew.
            try await partners.plans.save(CommissionPlan(id: "gold", name: "Gold", rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: "8.00"))]),
                                          effectiveFrom: 0, audit: .system)
            var post = formHeaders(cookie: finance.cookie)
            post[.accept] = "text/html"
            let day = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(now / 1_000_000))).prefix(10)
            let wrong = try await client.execute(uri: "/admin/commissions/recalculate", method: .post, headers: post,
                                                 body: form([("_csrf", finance.csrf), ("from", String(day)), ("to", "")]))
            #expect(wrong.text.contains("Choose both days."))
            let recalculated = try await client.execute(uri: "/admin/commissions/recalculate", method: .post, headers: post,
                                                        body: form([("_csrf", finance.csrf), ("from", String(day)), ("to", String(day))]))
            #expect(recalculated.status == .ok && recalculated.text.contains("1 computed deals checked, 1 differed"), "\(recalculated.text.prefix(3_000))")
            try await pipeline.consume(DealFeed(store: deals).batches(for: CommissionPipeline.consumer, endWhenDrained: true))
            let again = try await client.execute(uri: "/admin/commissions/explain?server=mt5&ticket=77", method: .get, headers: headers)
            #expect(again.text.contains("the same lines as stored") && again.text.contains("(reverses a corrected deal)") && again.text.contains("12.00"))
            let manager = try #require(try await harness.session(for: .staff(.ibManager)))
            var managerPost = formHeaders(cookie: manager.cookie)
            managerPost[.accept] = "text/html"
            let refused = try await client.execute(uri: "/admin/commissions/recalculate", method: .post, headers: managerPost,
                                                   body: form([("_csrf", manager.csrf), ("from", String(day)), ("to", String(day))]))
            #expect(refused.status == .forbidden)

            // The IB manager previews a plan change before saving it: partner by partner, nothing saved.
            let preview = try await client.execute(uri: "/admin/commission-plans", method: .post, headers: managerPost, body: form([
                ("_csrf", manager.csrf), ("document", #"{"id":"gold","name":"Gold","rules":[{"id":"rebate","kind":"per_lot","rates":{"default":"9.00"}}]}"#),
                ("preview", "on"),
            ]))
            #expect(preview.status == .ok && preview.text.contains("Preview of Gold") && preview.text.contains("13.50") && preview.text.contains("1.50"),
                    "\(preview.text.prefix(2_000))")
            #expect(try await partners.plans.versions(of: "gold").count == 2, "a preview saves nothing")
        }
    }

    /// A partner sees its own commissions and how each was computed, never the upline's.
    @Test(arguments: TestDatabases.kinds)
    func partnersSeeTheirOwnLinesOnly(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let user = try #require(harness.users[.partner])
        let partners = harness.services.partners
        try await partners.partners.create(Partner(id: "master", name: "Master"), parent: nil, from: 0, audit: .system)
        try await partners.partners.create(Partner(id: "paula", userID: user.id.rawValue, name: "Paula"), parent: "master", from: 0, audit: .system)
        for (id, rate) in [("gold", "7.00"), ("silver", "5.00")] {
            try await partners.plans.save(CommissionPlan(id: id, name: id, rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: rate))]),
                                          effectiveFrom: 0, audit: .system)
        }
        try await partners.plans.assign("master", plan: "gold", from: 0, audit: .system)
        try await partners.plans.assign("paula", plan: "silver", from: 0, audit: .system)
        try await partners.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:42", partnerID: "paula"), from: 0, audit: .system)
        try await partners.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:43", partnerID: "master"), from: 0, audit: .system)
        let now = harness.services.clock.nowMicros()
        let deals = try DealStore(db: harness.db)
        try await deals.store(DealSyncBatch(serverID: "mt5", deals: [42, 43].map { login in
            TradeDeal(ticket: UInt64(login), login: TradingLogin(UInt64(login)), action: .sell, entry: .entryOut, reason: 0, symbol: "EURUSD", time: now,
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: 100_000_000), contractSize: 100_000, profit: .zero)
        }, cursorTime: 0))
        let pipeline = try CommissionPipeline(db: harness.db, deals: deals, ledger: harness.services.ledger, clock: harness.services.clock,
                                              logger: TestDatabases.logger)
        try await pipeline.process(DealFeedBatch(deals: try await deals.feed(after: 0)))
        let session = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            let headers: HTTPFields = [.cookie: session.cookie, .accept: "text/html"]
            let page = try await client.execute(uri: "/partners/commissions", method: .get, headers: headers)
            #expect(page.status == .ok && page.text.contains("ticket=42") && page.text.contains("5.00") && !page.text.contains("ticket=43"))
            let own = try await client.execute(uri: "/partners/commissions/explain?server=mt5&ticket=42", method: .get, headers: headers)
            #expect(own.status == .ok && own.text.contains("Pays paula 5.00 USD") && !own.text.contains("Pays master") && !own.text.contains("master "))
            let upline = try await client.execute(uri: "/partners/commissions/explain?server=mt5&ticket=43", method: .get, headers: headers)
            #expect(upline.status == .notFound)
            let home = try await client.execute(uri: "/partners", method: .get, headers: headers)
            #expect(home.text.contains("5.00\u{00A0}USD"), "the payable balance, formatted for the reader")
            // The partner's network: its own accounts, not the upline's; a client's email masked.
            let network = try await client.execute(uri: "/partners/network", method: .get, headers: headers)
            #expect(network.status == .ok && network.text.contains("mt5:42") && !network.text.contains("mt5:43") && network.text.contains("No sub-partner yet."))
            let trader = try #require(harness.users[.trader])
            try await harness.services.partners.attributions.attribute(Attribution(subject: .client, subjectID: trader.id.rawValue, partnerID: "paula"),
                                                                       from: 0, audit: .system)
            let at = try #require(trader.email.firstIndex(of: "@"))
            let masked = String(trader.email.prefix(1)) + "***" + String(trader.email[at...])
            let withClient = try await client.execute(uri: "/partners/network", method: .get, headers: headers)
            #expect(withClient.text.contains(masked) && !withClient.text.contains(trader.email))
            let finance = try #require(try await harness.session(for: .staff(.finance)))
            let profile = try await client.execute(uri: "/admin/partners/paula", method: .get, headers: [.cookie: finance.cookie, .accept: "text/html"])
            #expect(profile.text.contains("Earnings, last 30 days") && profile.text.contains("5.00"))
        }
    }
}
