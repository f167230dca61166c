import BrokerCore
import CommissionsCore
import Partners
import HTTPTypes
import HummingbirdTesting
import Identity
import Money
import NIOCore
import Platform
import TestSupport
import Testing
import WebKit
import App
import Commissions
import Trading

/// Partner and plan pages: an IB manager imports plans as JSON, builds a tree,
/// moves a sub-IB and attributes a client; every refusal names the field.
@Suite struct PartnerPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func ibManagerBuildsTheTreeAndImportsPlans(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let manager = try #require(try await harness.session(for: .staff(.ibManager)))
        let trader = try #require(harness.users[.trader])
        try await harness.test { client in
            var post = formHeaders(cookie: manager.cookie)
            post[.accept] = "text/html"
            let bad = try await client.execute(uri: "/admin/commission-plans", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("document", #"{"id":"gold","name":"Gold","rules":[{"id":"rebate","kind":"per_lot","rates":{"symbols":{"EURUSD":"7,00"}}}]}"#),
            ]))
            #expect(bad.status == .badRequest && bad.text.contains("rules[0].rates.symbols.EURUSD"))
            let broken = try await client.execute(uri: "/admin/commission-plans", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("document", #"{"id":"gold","rules":[]}"#),
            ]))
            #expect(broken.status == .badRequest && broken.text.contains("name: is required"))
            for (id, rate) in [("gold", "7.00"), ("silver", "5.00")] {
                let saved = try await client.execute(uri: "/admin/commission-plans", method: .post, headers: post, body: form([
                    ("_csrf", manager.csrf), ("from", "2026-01-01"),
                    ("document", #"{"id":"\#(id)","name":"\#(id.capitalized) <IB>","rules":[{"id":"rebate","kind":"per_lot","rates":{"default":"\#(rate)","groups":{"energies":"1.00"}}}]}"#),
                ]))
                #expect(saved.status == .seeOther, "\(saved.text.prefix(300))")
            }
            let plan = try await client.execute(uri: "/admin/commission-plans/gold", method: .get, headers: [.cookie: manager.cookie])
            #expect(plan.status == .ok && plan.text.contains("Gold &lt;IB&gt;") && plan.text.contains("Group Energies") && plan.text.contains("v1"))
            // The plan page offers the next version as JSON to edit: every part of a plan, a CPA here.
            #expect(plan.text.contains("Edit: the next version") && plan.text.contains("&quot;version&quot; : 2"), "\(plan.text)")
            let edited = try await client.execute(uri: "/admin/commission-plans", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("from", "2026-02-01"),
                ("document", #"{"id":"gold","name":"Gold <IB>","rules":[{"id":"rebate","kind":"per_lot","rates":{"default":"7.00"}}],"cpa":{"min_first_deposit":"100.00","require_kyc":true,"within_days":30,"bands":[{"min_deposit":"100.00","amount":"250.00"}]}}"#),
            ]))
            #expect(edited.status == .seeOther, "\(edited.text.prefix(300))")
            let second = try await client.execute(uri: "/admin/commission-plans/gold", method: .get, headers: [.cookie: manager.cookie])
            #expect(second.text.contains("Version 2") && second.text.contains("first deposit ≥ 100.00, KYC approved within 30 days; pays 250.00 from 100.00"))
            // Exported, a version is the file that imports it again.
            let exported = try await client.execute(uri: "/admin/commission-plans/gold/export?version=2", method: .get, headers: [.cookie: manager.cookie])
            #expect(exported.status == .ok && exported.headers[.contentDisposition] == "attachment; filename=\"gold-v2.json\"")
            let reimported = try PlanValidationError.plan(fromJSON: Array(exported.text.utf8))
            #expect(reimported.version == 2 && reimported.cpa?.bands.first?.amount == "250.00")
            let missing = try await client.execute(uri: "/admin/commission-plans/gold/export?version=9", method: .get, headers: [.cookie: manager.cookie])
            #expect(missing.status == .notFound)

            for (id, parent, planID) in [("master", "", "gold"), ("sub", "master", "silver"), ("other", "", "gold")] {
                let created = try await client.execute(uri: "/admin/partners", method: .post, headers: post, body: form([
                    ("_csrf", manager.csrf), ("id", id), ("name", "Partner \(id)"), ("kind", parent.isEmpty ? "ib" : "sub_ib"), ("legal_type", "company"),
                    ("parent", parent), ("plan", planID), ("from", "2026-02-01"),
                ]))
                #expect(created.status == .seeOther, "\(created.text.prefix(300))")
            }
            let duplicate = try await client.execute(uri: "/admin/partners", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("id", "sub"), ("name", "Again"), ("kind", "ib"), ("legal_type", "person"), ("parent", ""), ("plan", ""),
            ]))
            #expect(duplicate.status == .badRequest && duplicate.text.contains("exists already"))
            // The server checks the email too: a partner with an address like "notanemail" is refused and not created.
            let badEmail = try await client.execute(uri: "/admin/partners", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("id", "mailless"), ("name", "No Mail"), ("email", "notanemail"), ("kind", "ib"), ("legal_type", "person"),
                ("parent", ""), ("plan", ""),
            ]))
            #expect(badEmail.status == .badRequest && badEmail.text.contains("name@example.com"))
            #expect(try await harness.services.partners.partners.partner("mailless") == nil)
            let attributed = try await client.execute(uri: "/admin/partners/sub/attribute", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("subject", "client"), ("subject_id", trader.email), ("from", "2026-02-02"),
            ]))
            #expect(attributed.status == .ok && attributed.text.contains("Saved."))
            let unknown = try await client.execute(uri: "/admin/partners/sub/attribute", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("subject", "client"), ("subject_id", "nobody@example.test"),
            ]))
            #expect(unknown.status == .badRequest && unknown.text.contains("no client with the email"))
            let cycle = try await client.execute(uri: "/admin/partners/master/move", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("parent", "sub"),
            ]))
            #expect(cycle.status == .badRequest && cycle.text.contains("cycle"))
            let moved = try await client.execute(uri: "/admin/partners/sub/move", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("parent", "other"), ("from", "2026-03-01"),
            ]))
            #expect(moved.status == .ok)
            let profile = try await client.execute(uri: "/admin/partners/other", method: .get, headers: [.cookie: manager.cookie])
            #expect(profile.text.contains("Partner sub") && profile.text.contains("data-table=\"subtree\""))
            let sub = try await client.execute(uri: "/admin/partners/sub", method: .get, headers: [.cookie: manager.cookie])
            #expect(sub.text.contains("Partner sub → Partner other") && sub.text.contains(trader.email))
            // The list is the tree: each top-level partner followed by its subtree, indented.
            let list = try await client.execute(uri: "/admin/partners", method: .get, headers: [.cookie: manager.cookie]).text
            let order = ["Partner master", "Partner other", "· Partner sub"].compactMap { list.range(of: $0)?.lowerBound }
            #expect(order.count == 3 && order == order.sorted(), "master, other, then sub below other")
        }
        // Before the move the client's commissions still go up to master.
        let march = Int64(1_772_323_200) * 1_000_000   // 2026-03-01
        #expect(try await harness.services.partners.partners.chain(of: "sub", at: march - 1) == ["sub", "master"])
        #expect(try await harness.services.partners.partners.chain(of: "sub", at: march) == ["sub", "other"])
        let events = try await harness.db.read { sql in try await AuditLog.recent(on: sql, limit: 100) }.map(\.entry.action)
        #expect(events.filter { $0 == "commission_plan.save" }.count == 3 && events.contains("partner.move") && events.contains("attribution.set"))
    }

    /// A per-lot plan made with the form: refusals name the field, a preview saves
    /// nothing, saving makes the plan; a personal rate is set from the partner's profile.
    @Test func aPlanIsMadeWithTheFormAndAPartnerGetsAPersonalRate() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let manager = try #require(try await harness.session(for: .staff(.ibManager)))
        try await harness.test { client in
            var post = formHeaders(cookie: manager.cookie)
            post[.accept] = "text/html"
            let fields = { (groups: String, preview: Bool) in
                form([("_csrf", manager.csrf), ("id", "fx"), ("name", "FX <desk>"), ("currency", "usd"), ("distribution", "difference"), ("earn_on", "close"),
                      ("default", "4.00"), ("groups", groups), ("symbols", "EURUSD=7.00"), ("account_types", ""), ("min_hold_seconds", "60")]
                     + (preview ? [("preview", "on")] : []))
            }
            let bad = try await client.execute(uri: "/admin/commission-plans/form", method: .post, headers: post, body: fields("metals", false))
            #expect(bad.status == .badRequest && bad.text.contains("<span class=\"field-error\">write NAME=RATE, separated by commas</span><input id=\"f-plan-form-groups\" name=\"groups\" type=\"text\" value=\"metals\""))
            let rate = try await client.execute(uri: "/admin/commission-plans/form", method: .post, headers: post, body: fields("metals=x", false))
            #expect(rate.status == .badRequest && rate.text.contains("Rates per lot by group: x is not a non-negative amount with at most 8 decimals"))
            let preview = try await client.execute(uri: "/admin/commission-plans/form", method: .post, headers: post, body: fields("metals=3.00", true))
            #expect(preview.status == .ok && preview.text.contains("Preview of FX &lt;desk&gt;"))
            #expect(try await harness.services.partners.plans.versions(of: "fx").isEmpty, "a preview saves nothing")
            let saved = try await client.execute(uri: "/admin/commission-plans/form", method: .post, headers: post, body: fields("metals=3.00", false))
            #expect(saved.status == .seeOther)
            let plan = try #require(try await harness.services.partners.plans.versions(of: "fx").last?.plan)
            #expect(plan.rules.first?.rates == .init(default: "4.00", groups: ["metals": "3.00"], symbols: ["EURUSD": "7.00"]) && plan.filters.minHoldSeconds == 60)

            try await harness.services.partners.partners.create(Partner(id: "ib", name: "IB"), parent: nil, from: 0, audit: .system)
            try await harness.services.partners.plans.assign("ib", plan: "fx", from: 0, audit: .system)
            let personal = try await client.execute(uri: "/admin/partners/ib/override", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("rule", "rebate"), ("applies_to", "symbol eurusd"), ("rate", "7.50"), ("from", ""),
            ]))
            #expect(personal.status == .ok && personal.text.contains("the partner is now on") && personal.text.contains("v1"))
            let wrong = try await client.execute(uri: "/admin/partners/ib/override", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("rule", "rebate"), ("applies_to", "everything"), ("rate", "7.50"), ("from", ""),
            ]))
            #expect(wrong.status == .badRequest && wrong.text.contains("Applies to: default, group NAME or symbol NAME"))
        }
    }

    /// The instrument catalog page: IB managers set a symbol's group; finance only reads.
    @Test func ibManagersSetInstrumentGroups() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        try await DealStore(db: harness.db).store(DealSyncBatch(serverID: "mt5", deals: [
            TradeDeal(ticket: 1, login: TradingLogin(7), action: .buy, entry: .entryIn, symbol: "GER40.cash", time: 1_000_000),
        ], cursorTime: 0))
        let manager = try #require(try await harness.session(for: .staff(.ibManager)))
        let finance = try #require(try await harness.session(for: .staff(.finance)))
        try await harness.test { client in
            let page = try await client.execute(uri: "/admin/instruments", method: .get, headers: [.cookie: finance.cookie, .accept: "text/html"])
            #expect(page.status == .ok && page.text.contains("GER40.cash") && page.text.contains("A guess from the name") && !page.text.contains("Set a symbol"))
            var post = formHeaders(cookie: manager.cookie)
            post[.accept] = "text/html"
            let bad = try await client.execute(uri: "/admin/instruments", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("symbol", "GER40.cash"), ("group", "indices"), ("profit_currency", "XXX"),
            ]))
            #expect(bad.status == .badRequest && bad.text.contains("Enter a currency code such as USD."), "the refusal is worded next to its field")
            let saved = try await client.execute(uri: "/admin/instruments", method: .post, headers: post, body: form([
                ("_csrf", manager.csrf), ("symbol", "GER40.cash"), ("group", "indices_eu"), ("profit_currency", "eur"),
            ]))
            #expect(saved.status == .seeOther && saved.headers[.location] == "/admin/instruments?saved=1", "post, then redirect, then get")
            let after = try await client.execute(uri: "/admin/instruments?saved=1", method: .get, headers: [.cookie: manager.cookie, .accept: "text/html"])
            #expect(after.text.contains("indices_eu") && after.text.contains("Your setting") && after.text.contains("Saved."))
        }
        let settings = try await InstrumentCatalog(db: harness.db, clock: SystemClock()).groups(at: Int64.max / 2).settings
        #expect(settings["GER40.cash"] == .init(group: "indices_eu", profitCurrency: "EUR"))
        let events = try await harness.db.read { sql in try await AuditLogQuery.actions(on: sql) }
        #expect(events.contains("instrument.set"))
    }
}
