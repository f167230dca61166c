import BrokerCore
import CommissionsCore
import HTTPTypes
import HummingbirdTesting
import Identity
import LedgerCore
import Money
import Partners
import TestSupport
import Testing
import WebKit
import App
import Commissions
import Trading
import Platform

/// Payouts in the back office and the partner portal.
@Suite struct PayoutPagesTests {
    /// Finance sets how a partner is paid, runs payouts, approves one, and reads its
    /// statement as a page and as CSV; the partner sees its own payouts only.
    @Test(arguments: TestDatabases.kinds)
    func financePaysAPartnerWhoSeesItsStatement(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let user = try #require(harness.users[.partner])
        let partners = harness.services.partners
        try await partners.partners.create(Partner(id: "master", name: "Master"), parent: nil, from: 0, audit: .system)
        try await partners.partners.create(Partner(id: "paula", userID: user.id.rawValue, name: "Paula"), parent: "master", from: 0, audit: .system)
        try await partners.plans.save(CommissionPlan(id: "silver", name: "Silver", rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: "5.00"))]),
                                      effectiveFrom: 0, audit: .system)
        try await partners.plans.assign("paula", plan: "silver", from: 0, audit: .system)
        try await partners.attributions.attribute(Attribution(subject: .account, subjectID: "mt5:42", partnerID: "paula"), from: 0, audit: .system)
        let deals = try DealStore(db: harness.db)
        try await deals.store(DealSyncBatch(serverID: "mt5", deals: [
            TradeDeal(ticket: 1, login: TradingLogin(42), action: .sell, entry: .entryOut, reason: 0, symbol: "EURUSD", time: harness.services.clock.nowMicros(),
                      price: Price(points: 108_000, digits: 5), volume: Volume(units: 200_000_000), contractSize: 100_000, profit: .zero),
        ], cursorTime: 0))
        let pipeline = try CommissionPipeline(db: harness.db, deals: deals, ledger: harness.services.ledger, clock: harness.services.clock,
                                              logger: TestDatabases.logger)
        try await pipeline.process(DealFeedBatch(deals: try await deals.feed(after: 0)))

        let finance = try #require(try await harness.session(for: .staff(.finance)))
        let partnerSession = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            var post = formHeaders(cookie: finance.cookie)
            post[.accept] = "text/html"
            let bad = try await client.execute(uri: "/admin/partners/paula/payout-settings", method: .post, headers: post, body: form([
                ("_csrf", finance.csrf), ("schedule", "realtime"), ("minimum", "0"), ("currency", "USD"), ("method", "trading_account"), ("target", "nope"),
            ]))
            // A refused setting goes back to the partner's page with the reason at the field, never to a dead end.
            #expect(bad.status == .seeOther && bad.headers[.location] == "/admin/partners/paula?payout_error=target#payouts")
            let refusedPage = try await client.execute(uri: "/admin/partners/paula?payout_error=target", method: .get, headers: [.cookie: finance.cookie, .accept: "text/html"])
            #expect(refusedPage.text.contains("Choose an active trading account of the partner&#39;s own") && refusedPage.text.contains("data-form=\"payout-settings\"")
                    && refusedPage.text.contains("nav"))
            // A huge minimum is named as what it is, not as a negative one.
            let huge = try await client.execute(uri: "/admin/partners/paula/payout-settings", method: .post, headers: post, body: form([
                ("_csrf", finance.csrf), ("schedule", "realtime"), ("minimum", "99999999999999999999"), ("currency", "USD"), ("method", "wallet"),
            ]))
            #expect(huge.headers[.location] == "/admin/partners/paula?payout_error=minimum#payouts")
            let hugePage = try await client.execute(uri: "/admin/partners/paula?payout_error=minimum", method: .get, headers: [.cookie: finance.cookie, .accept: "text/html"])
            #expect(hugePage.text.contains("from 0 up to 10,000,000") && !hugePage.text.contains("must not be negative"))
            let saved = try await client.execute(uri: "/admin/partners/paula/payout-settings", method: .post, headers: post, body: form([
                ("_csrf", finance.csrf), ("schedule", "realtime"), ("minimum", "5.00"), ("currency", "USD"), ("method", "wallet"), ("needs_approval", "on"),
            ]))
            #expect(saved.status == .seeOther)
            let profile = try await client.execute(uri: "/admin/partners/paula", method: .get, headers: [.cookie: finance.cookie, .accept: "text/html"])
            #expect(profile.text.contains("Real time") && profile.text.contains("Save payout settings"))

            // Nothing is paid before the partner accepts the partner agreement, in the portal.
            let early = try await client.execute(uri: "/admin/payouts/run", method: .post, headers: post, body: form([("_csrf", finance.csrf)]))
            #expect(early.status == .ok && early.text.contains("Payouts created: 0 · paid: 0"))
            let home = try await client.execute(uri: "/partners", method: .get, headers: [.cookie: partnerSession.cookie])
            #expect(home.text.contains("payouts wait for it") && home.text.contains("href=\"/partners/agreement\""))
            let agreement = try await client.execute(uri: "/partners/agreement", method: .get, headers: [.cookie: partnerSession.cookie])
            #expect(agreement.status == .ok && agreement.text.contains("Not accepted yet") && agreement.text.contains("You introduce clients"))
            var portalPost = formHeaders(cookie: partnerSession.cookie)
            portalPost[.accept] = "text/html"
            let unticked = try await client.execute(uri: "/partners/agreement", method: .post, headers: portalPost, body: form([("_csrf", partnerSession.csrf)]))
            #expect(unticked.status == .badRequest && unticked.text.contains("Tick the box"))
            let accepted = try await client.execute(uri: "/partners/agreement", method: .post, headers: portalPost,
                                                    body: form([("_csrf", partnerSession.csrf), ("accept", "yes")]))
            #expect(accepted.status == .seeOther)
            #expect(try await harness.services.partners.partners.partner("paula")?.agreementAcceptedAt ?? 0 > 0)
            let after = try await client.execute(uri: "/partners/agreement", method: .get, headers: [.cookie: partnerSession.cookie])
            #expect(after.text.contains("Accepted on") && !after.text.contains("name=\"accept\""))

            let run = try await client.execute(uri: "/admin/payouts/run", method: .post, headers: post, body: form([("_csrf", finance.csrf)]))
            #expect(run.status == .ok && run.text.contains("Payouts created: 1 · paid: 0"))
            let payout = try #require(try await harness.services.payouts.payouts(partnerID: "paula").first)
            #expect(payout.status == .awaitingApproval && payout.amountMinor == 1_000)
            let approved = try await client.execute(uri: "/admin/payouts/\(payout.id)/approve", method: .post, headers: post, body: form([("_csrf", finance.csrf)]))
            #expect(approved.status == .ok && approved.text.contains("Payout approved and paid."))
            #expect(try await harness.services.ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: user.id.rawValue, currency: .usd)) == 1_000)
            let again = try await client.execute(uri: "/admin/payouts/\(payout.id)/approve", method: .post, headers: post, body: form([("_csrf", finance.csrf)]))
            #expect(again.status == .badRequest && again.text.contains("is paid"))

            let page = try await client.execute(uri: "/admin/payouts/\(payout.id)", method: .get, headers: [.cookie: finance.cookie, .accept: "text/html"])
            #expect(page.status == .ok && page.text.contains("10.00\u{00A0}USD") && page.text.contains("Download CSV"))
            let csv = try await client.execute(uri: "/admin/payouts/\(payout.id)/statement.csv", method: .get, headers: [.cookie: finance.cookie])
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.hasPrefix("payout,partner,period,day,level,rule,deals,amount,currency") && csv.text.contains(",rebate,1,10.00,USD")
                    && csv.text.contains(",paid,,10.00,USD"), "\(csv.text)")

            let own = try await client.execute(uri: "/partners/payouts", method: .get, headers: [.cookie: partnerSession.cookie, .accept: "text/html"])
            #expect(own.status == .ok && own.text.contains("/partners/payouts/\(payout.id)") && own.text.contains("10.00\u{00A0}USD"))
            let ownCSV = try await client.execute(uri: "/partners/payouts/\(payout.id)/statement.csv", method: .get, headers: [.cookie: partnerSession.cookie])
            #expect(ownCSV.status == .ok && ownCSV.text.contains(",paid,,10.00,USD"))

            // The partner chooses where it is paid, among its own accounts only.
            #expect(own.text.contains("Where you are paid") && own.text.contains("Your wallet"))
            try await harness.db.transaction { sql in
                for (login, owner) in [(9001, user.id.rawValue), (9002, "someone-else")] {
                    try await sql.raw("""
                        INSERT INTO trading_accounts (server_id, login, user_id, account_type_id, mt_group, currency, leverage, status, trading_enabled,
                            request_id, last_error, created_at, updated_at)
                        VALUES ('mt5', \(bind: login), \(bind: owner), 'std', 'real', 'USD', 100, 'active', 1, \(bind: "r\(login)"), '', 0, 0)
                        """).run()
                }
            }
            let foreign = try await client.execute(uri: "/partners/payouts/destination", method: .post, headers: portalPost,
                                                   body: form([("_csrf", partnerSession.csrf), ("destination", "mt5:9002")]))
            #expect(foreign.status == .badRequest && (foreign.text.contains("of the partner&#39;s own") || foreign.text.contains("of the partner's own")))
            let chosen = try await client.execute(uri: "/partners/payouts/destination", method: .post, headers: portalPost,
                                                  body: form([("_csrf", partnerSession.csrf), ("destination", "mt5:9001")]))
            #expect(chosen.status == .seeOther)
            let settings = try await harness.services.payouts.settings(of: "paula")
            #expect(settings?.method == .tradingAccount && settings?.target == "mt5:9001" && settings?.schedule == .realtime && settings?.needsApproval == true)
            let manager = try #require(try await harness.session(for: .staff(.ibManager)))
            var managerPost = formHeaders(cookie: manager.cookie)
            managerPost[.accept] = "text/html"
            let refused = try await client.execute(uri: "/admin/payouts/\(payout.id)/approve", method: .post, headers: managerPost, body: form([("_csrf", manager.csrf)]))
            #expect(refused.status == .forbidden)
        }
    }

    /// A partner cannot open another partner's payout.
    @Test func aPartnerSeesNoOtherPartnersPayout() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let user = try #require(harness.users[.partner])
        let partners = harness.services.partners
        try await partners.partners.create(Partner(id: "paula", userID: user.id.rawValue, name: "Paula"), parent: nil, from: 0, audit: .system)
        try await partners.partners.create(Partner(id: "other", userID: "someone-else", name: "Other"), parent: nil, from: 0, audit: .system)
        try await harness.db.transaction { sql in
            try await sql.raw("""
                INSERT INTO payouts (id, partner_id, period_key, period_start, period_end, amount_minor, currency, payout_minor, payout_currency, rate_id,
                    method, target, status, note, decided_by, created_at, decided_at, paid_at)
                VALUES ('po-other', 'other', '2026-11', 0, 1, 500, 'USD', 500, 'USD', '', 'wallet', '', 'paid', '', '', 0, 0, 1)
                """).run()
        }
        let session = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            for uri in ["/partners/payouts/po-other", "/partners/payouts/po-other/statement.csv"] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: session.cookie, .accept: "text/html"])
                #expect(response.status == .notFound, "\(uri)")
            }
        }
    }

    /// The partner profile lists period-end settlements with the numbers they came from.
    @Test func theProfileShowsPeriodEndSettlements() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        try await harness.services.partners.partners.create(Partner(id: "paula", name: "Paula"), parent: nil, from: 0, audit: .system)
        try await harness.db.transaction { sql in
            try await sql.raw("""
                INSERT INTO commission_adjustments (partner_id, rule_id, period_key, period_start, period_end, plan_id, plan_version, lots, paid, target,
                    amount, currency, created_at)
                VALUES ('paula', 'rebate', '2026-10', 0, 1, 'silver', 1, 1320000000, 6600000000, 9060000000, 2460000000, 'USD', 0)
                """).run()
            try await sql.raw("""
                INSERT INTO revenue_share_periods (partner_id, period_key, period_start, period_end, plan_id, plan_version, accounts, net, carry_in, payout,
                    carry_out, periods_carried, skipped, currency, created_at)
                VALUES ('paula', '2026-10', 0, 1, 'rs', 1, 1, -30000000000, 0, 0, -30000000000, 1, '', 'USD', 0)
                """).run()
        }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            let page = try await client.execute(uri: "/admin/partners/paula", method: .get, headers: [.cookie: admin.cookie, .accept: "text/html"])
            #expect(page.status == .ok && page.text.contains("Period-end settlements") && page.text.contains("Volume tiers of rebate")
                    && page.text.contains("13.20 lots") && page.text.contains("24.60") && page.text.contains("Carried out -300.00\u{00A0}USD"))
        }
    }
}
