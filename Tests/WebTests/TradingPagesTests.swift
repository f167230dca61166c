import BrokerCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import LedgerCore
import MT5Simulator
import Money
import NIOCore
import Platform
import TestSupport
import Testing
import Trading
import WebKit
import App

/// The trading pages over the real router and a real simulator: servers and
/// account types in the back office, opening an account and moving money in the
/// trader's room, staff changes, and the reconciliation report.
@Suite struct TradingPagesTests {
    static let managerPassword = "Manager#2026"

    /// Registers `simulator` as live server "mt5_live" (logins 5000-5999) with one
    /// standard account type "std", as the back office would.
    static func configure(_ trading: TradingServices, _ simulator: MT5SimulatorServer, typeName: String = "Standard",
                          leverages: [Int] = [30, 100, 500]) async throws {
        try await trading.servers.save(TradeServerConfig(id: "mt5_live", name: "MT5 Live", environment: .live,
                                                         endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                                                         managerLogin: 1_000, password: managerPassword, logins: 5_000...5_999), audit: .system)
        try await trading.types.save(AccountType(id: "std", serverID: "mt5_live", name: typeName, kind: .standard, group: "real\\standard",
                                                 currency: .usd, leverageOptions: leverages), audit: .system)
    }

    static func post(_ cookie: String) -> HTTPFields {
        var headers = formHeaders(cookie: cookie)
        headers[.accept] = "text/html"
        return headers
    }

    @Test(arguments: TestDatabases.kinds)
    func adminConfiguresServersAndAccountTypes(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let simulator = try await MT5SimulatorServer.start(.init(managerLogin: 1_000, password: Self.managerPassword, seed: 3, dealsPerSecond: 0))
        defer { Task { await simulator.stop() } }
        let admin = try #require(try await harness.session(for: .staff(.admin)))
        try await harness.test { client in
            let headers = Self.post(admin.cookie)
            let bad = try await client.execute(uri: "/admin/trade-servers/new", method: .post, headers: headers, body: form([
                ("_csrf", admin.csrf), ("id", "mt5_live"), ("name", "MT5 Live"), ("environment", "live"), ("host", "127.0.0.1"), ("port", "99999"),
                ("manager_login", "1000"), ("password", Self.managerPassword), ("group_mask", "real\\*"), ("login_first", "5000"), ("login_last", "5999"),
                ("enabled", "yes"),
            ]))
            #expect(bad.status == .badRequest && bad.text.contains("Port: 1 to 65535"))
            #expect(!bad.text.contains(Self.managerPassword))
            let saved = try await client.execute(uri: "/admin/trade-servers/new", method: .post, headers: headers, body: form([
                ("_csrf", admin.csrf), ("id", "mt5_live"), ("name", "MT5 Live"), ("environment", "live"), ("host", "127.0.0.1"),
                ("port", "\(simulator.port)"), ("manager_login", "1000"), ("password", Self.managerPassword), ("group_mask", "real\\*"),
                ("login_first", "5000"), ("login_last", "5999"), ("enabled", "yes"),
            ]))
            #expect(saved.status == .seeOther, "\(saved.text.prefix(300))")
            // Editing without a password keeps the stored one.
            let edited = try await client.execute(uri: "/admin/trade-servers/mt5_live", method: .post, headers: headers, body: form([
                ("_csrf", admin.csrf), ("name", "MT5 Live EU"), ("environment", "live"), ("host", "127.0.0.1"), ("port", "\(simulator.port)"),
                ("manager_login", "1000"), ("password", ""), ("group_mask", "real\\*"), ("login_first", "5000"), ("login_last", "5999"), ("enabled", "yes"),
            ]))
            #expect(edited.status == .seeOther)
            #expect(try await harness.services.trading.servers.server("mt5_live")?.password == Self.managerPassword)
            let list = try await client.execute(uri: "/admin/trade-servers", method: .get, headers: [.cookie: admin.cookie])
            #expect(list.status == .ok && list.text.contains("MT5 Live EU") && list.text.contains("Not synced yet"))

            // A re-sync of a day range runs as a job and stores what the server has.
            _ = try simulator.createFundedAccounts(2)
            simulator.trade(deals: 20)
            let badRange = try await client.execute(uri: "/admin/trade-servers/mt5_live/resync", method: .post, headers: headers,
                                                    body: form([("_csrf", admin.csrf), ("from", "2026-02-30"), ("to", "2026-03-01")]))
            #expect(badRange.status == .badRequest && badRange.text.contains("From: a day"))
            let today = Date().formatted(.iso8601.year().month().day())
            let queued = try await client.execute(uri: "/admin/trade-servers/mt5_live/resync", method: .post, headers: headers,
                                                  body: form([("_csrf", admin.csrf), ("from", today), ("to", today)]))
            #expect(queued.status == .ok && queued.text.contains("Re-sync queued"))
            let job = try #require(try await harness.services.jobs.list(status: .pending).first { $0.kind == DealResync.jobKind })
            #expect(try await harness.services.trading.resync.run(payload: job.payload) == simulator.dealCount)
            #expect(try await harness.services.trading.deals.count(serverID: "mt5_live") == Int64(simulator.dealCount))

            let badType = try await client.execute(uri: "/admin/account-types/new", method: .post, headers: headers, body: form([
                ("_csrf", admin.csrf), ("id", "std"), ("name", "Standard"), ("kind", "standard"), ("server_id", "mt5_live"),
                ("group", "real\\standard"), ("currency", "USD"), ("leverage_options", "30, 100, 99999"), ("enabled", "yes"),
            ]))
            #expect(badType.status == .badRequest && badType.text.contains("leverage_options"))
            let type = try await client.execute(uri: "/admin/account-types/new", method: .post, headers: headers, body: form([
                ("_csrf", admin.csrf), ("id", "std"), ("name", "Standard"), ("kind", "standard"), ("server_id", "mt5_live"),
                ("group", "real\\standard"), ("currency", "USD"), ("leverage_options", "1:30, 1:100, 500"), ("enabled", "yes"),
            ]))
            #expect(type.status == .seeOther, "\(type.text.prefix(300))")
            let clash = try await client.execute(uri: "/admin/account-types/new", method: .post, headers: headers, body: form([
                ("_csrf", admin.csrf), ("id", "std2"), ("name", "Standard 2"), ("kind", "standard"), ("server_id", "mt5_live"),
                ("group", "real\\standard"), ("currency", "USD"), ("leverage_options", "30"), ("enabled", "yes"),
            ]))
            #expect(clash.status == .badRequest && clash.text.contains("already account type std"))
            let types = try await client.execute(uri: "/admin/account-types", method: .get, headers: [.cookie: admin.cookie])
            #expect(types.text.contains("1:30, 1:100, 1:500"))
        }
        #expect(try await harness.services.trading.types.type("std")?.leverageOptions == [30, 100, 500])
        let events = try await harness.db.read { sql in try await AuditLog.recent(on: sql, limit: 50) }
        #expect(events.filter { $0.entry.action == "trade_server.save" }.count == 2)
        #expect(events.filter { $0.entry.action == "account_type.save" }.count == 1)
        #expect(!events.contains { $0.entry.after.contains(Self.managerPassword) })
    }

    @Test(arguments: TestDatabases.kinds)
    func traderOpensAnAccountMovesMoneyAndStaffManageIt(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let simulator = try await MT5SimulatorServer.start(.init(managerLogin: 1_000, password: Self.managerPassword, seed: 3, dealsPerSecond: 0))
        defer { Task { await simulator.stop() } }
        let trading = harness.services.trading
        defer { Task { await trading.platforms.disconnectAll() } }
        try await Self.configure(trading, simulator, typeName: "Standard <Pro>")
        let trader = try #require(harness.users[.trader])
        _ = try await harness.services.ledger.post(PostingRules.deposit(key: "fund", client: trader.id.rawValue, provider: "bank",
                                                                        amount: Money(minorUnits: 100_000, currency: .usd), at: 0))
        let session = try #require(try await harness.session(for: .trader))
        try await harness.test { client in
            let page = try await client.execute(uri: "/portal/accounts", method: .get, headers: [.cookie: session.cookie])
            #expect(page.status == .ok && page.text.contains("Standard &lt;Pro&gt;") && page.text.contains("1:500"))
            let key = try #require(Self.hidden("request_key", in: page.text))
            #expect(page.text.contains("<option value=\"30\" selected"), "the cautious leverage is preselected, not the type's maximum")
            let refused = try await client.execute(uri: "/portal/accounts", method: .post, headers: Self.post(session.cookie),
                                                   body: form([("_csrf", session.csrf), ("account_type", "std"), ("leverage", "1000"), ("request_key", key)]))
            #expect(refused.status == .badRequest && refused.text.contains("leverage 1:1000 is not allowed"))
            let opened = try await client.execute(uri: "/portal/accounts", method: .post, headers: Self.post(session.cookie),
                                                  body: form([("_csrf", session.csrf), ("account_type", "std"), ("leverage", "100"), ("request_key", key)]))
            #expect(opened.status == .seeOther && opened.headers[.location] == "/portal/new-account/\(key)", "post, then redirect, then get")
            let shown = try await client.execute(uri: "/portal/new-account/\(key)", method: .get, headers: [.cookie: session.cookie])
            #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
            let password = try #require(Self.secret("main_password", in: shown.text))
            #expect(password.count == 12 && Self.secret("login", in: shown.text) == "5000")
            // A refresh of the page, or the form sent again, opens nothing and shows no password.
            let again = try await client.execute(uri: "/portal/new-account/\(key)", method: .get, headers: [.cookie: session.cookie])
            #expect(again.status == .ok && !again.text.contains(password) && again.text.contains("shown once"))
            let resent = try await client.execute(uri: "/portal/accounts", method: .post, headers: Self.post(session.cookie),
                                                  body: form([("_csrf", session.csrf), ("account_type", "std"), ("leverage", "100"), ("request_key", key)]))
            #expect(resent.status == .seeOther && resent.headers[.location] == "/portal/new-account/\(key)")
            #expect(try await trading.accounts.accounts(ofUser: trader.id.rawValue).filter { $0.status == .active }.count == 1)
            // Shown once: the account page never shows it again.
            let account = try await client.execute(uri: "/portal/accounts/mt5_live/5000", method: .get, headers: [.cookie: session.cookie])
            #expect(account.status == .ok && !account.text.contains(password))
            #expect(account.text.contains("data-fact=\"balance\">USD 0.00") || account.text.contains("data-fact=\"balance\">0.00"))

            // Refused before anything is accepted, in the trader's words: more than the wallet holds, more than the account can release, not an amount.
            for (direction, amount, wording) in [("deposit", "1000.01", "Your wallet does not hold enough for this transfer. Available now:"),
                                                 ("withdrawal", "5.00", "This account cannot release that much now"),
                                                 ("deposit", "abc", "Enter an amount greater than zero"), ("deposit", "-5", "Enter an amount greater than zero")] {
                let refusedTransfer = try await client.execute(uri: "/portal/accounts/mt5_live/5000/transfer", method: .post, headers: Self.post(session.cookie),
                                                               body: form([("_csrf", session.csrf), ("direction", direction), ("amount", amount),
                                                                           ("operation_id", "tr_refused_\(direction)")]))
                #expect(refusedTransfer.status == .badRequest && refusedTransfer.text.contains(wording), "\(direction) \(amount)")
                #expect(!refusedTransfer.text.contains("must be positive") && !refusedTransfer.text.contains("10019"))
            }
            #expect(try await trading.operations.operations(serverID: "mt5_live", login: TradingLogin(5_000)).isEmpty, "nothing refused was queued")
            let transfer = try await client.execute(uri: "/portal/accounts/mt5_live/5000/transfer", method: .post, headers: Self.post(session.cookie),
                                                    body: form([("_csrf", session.csrf), ("direction", "deposit"), ("amount", "400.00"), ("operation_id", "tr_web_1")]))
            #expect(transfer.status == .seeOther && transfer.headers[.location] == "/portal/accounts/mt5_live/5000?transfer=tr_web_1")
            // A double-submitted form is the same operation.
            _ = try await client.execute(uri: "/portal/accounts/mt5_live/5000/transfer", method: .post, headers: Self.post(session.cookie),
                                         body: form([("_csrf", session.csrf), ("direction", "deposit"), ("amount", "400.00"), ("operation_id", "tr_web_1")]))
            for _ in 0..<5 { try await trading.dispatcher.runOnce() }
            simulator.trade(deals: 10)
            let sync = DealSync(serverID: "mt5_live", platform: Self.client(simulator), sweepPlatform: Self.client(simulator), store: trading.deals,
                                settings: .init(groupMask: "*"), logger: TestDatabases.logger)
            _ = try await sync.syncOnce()
            let after = try await client.execute(uri: "/portal/accounts/mt5_live/5000", method: .get, headers: [.cookie: session.cookie])
            #expect(after.text.contains("400.00") && after.text.contains("ps:tr_web_1") && after.text.contains("Done"))
            #expect(after.text.contains("data-table=\"deals\""))
        }
        #expect(try await harness.services.ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: trader.id.rawValue, currency: .usd)) == 60_000)

        // Someone else's account reads as not found.
        let other = try await harness.services.identity.createUser(kind: .trader, email: "other@test.example", password: WebHarness.password,
                                                                   displayName: "Other", brandID: "brand_test", audit: .system)
        let (token, otherSession) = try await harness.services.sessions.create(user: other, surface: "portal", secondFactorOK: true, ip: "127.0.0.1",
                                                                                userAgent: "test", audit: .system)
        let dealing = try #require(try await harness.session(for: .staff(.dealing)))
        try await harness.test { client in
            let cookie = "\(Surface.portal.cookieName)=\(token)"
            let foreign = try await client.execute(uri: "/portal/accounts/mt5_live/5000", method: .get, headers: [.cookie: cookie, .accept: "text/html"])
            #expect(foreign.status == .notFound)
            let foreignTransfer = try await client.execute(uri: "/portal/accounts/mt5_live/5000/transfer", method: .post, headers: Self.post(cookie),
                                                           body: form([("_csrf", otherSession.csrfToken), ("direction", "withdrawal"), ("amount", "1")]))
            #expect(foreignTransfer.status == .notFound)

            // The dealing desk lowers the leverage and stops trading; the server has it, the audit trail says who.
            let staffPage = try await client.execute(uri: "/admin/trading-accounts/mt5_live/5000", method: .get, headers: [.cookie: dealing.cookie])
            #expect(staffPage.status == .ok && staffPage.text.contains(trader.email) && staffPage.text.contains("data-form=\"change\""))
            #expect(!staffPage.text.contains("data-form=\"balance\""))
            let changed = try await client.execute(uri: "/admin/trading-accounts/mt5_live/5000/change", method: .post, headers: Self.post(dealing.cookie),
                                                   body: form([("_csrf", dealing.csrf), ("account_type", "std"), ("leverage", "30")]))
            #expect(changed.status == .ok && changed.text.contains("Settings applied"))
            let tooHigh = try await client.execute(uri: "/admin/trading-accounts/mt5_live/5000/change", method: .post, headers: Self.post(dealing.cookie),
                                                   body: form([("_csrf", dealing.csrf), ("account_type", "std"), ("leverage", "2000"), ("trading_enabled", "yes")]))
            #expect(tooHigh.status == .badRequest && tooHigh.text.contains("not allowed"))
        }
        let state = try await Self.client(simulator).account(TradingLogin(5_000))
        #expect(state.leverage == 30 && !state.tradingEnabled)
        let changes = try await harness.db.read { sql in try await AuditLog.recent(on: sql, limit: 100) }.filter { $0.entry.action == "trading_account.change" }
        #expect(changes.count == 1 && changes.first?.entry.actor == harness.users[.staff(.dealing)]?.actor)
    }

    @Test(arguments: TestDatabases.kinds)
    func financeRunsAndResolvesReconciliation(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let simulator = try await MT5SimulatorServer.start(.init(managerLogin: 1_000, password: Self.managerPassword, seed: 3, dealsPerSecond: 0))
        defer { Task { await simulator.stop() } }
        let trading = harness.services.trading
        defer { Task { await trading.platforms.disconnectAll() } }
        try await Self.configure(trading, simulator, leverages: [100])
        let trader = try #require(harness.users[.trader])
        let opened = try await trading.provisioning.open(for: trader, typeID: "std", leverage: 100, audit: .system)
        _ = try await Self.client(simulator).balanceOperation(BalanceOperation(operationID: "by-hand", login: opened.record.login, kind: .bonus,
                                                                           amount: PlatformAmount(units: 1_234_000_000)))
        let finance = try #require(try await harness.session(for: .staff(.finance)))
        try await harness.test { client in
            let queued = try await client.execute(uri: "/admin/reconciliation/run", method: .post, headers: Self.post(finance.cookie),
                                                  body: form([("_csrf", finance.csrf)]))
            #expect(queued.status == .ok && queued.text.contains("Reconciliation queued"))
            #expect(try await harness.services.jobs.list(status: .pending).contains { $0.kind == Reconciler.jobKind })
            let run = try await trading.reconciler.run()
            let page = try await client.execute(uri: "/admin/reconciliation?run=\(run.id)", method: .get, headers: [.cookie: finance.cookie])
            #expect(page.status == .ok && page.text.contains("A balance operation on the server that Pipstack did not make"))
            #expect(page.text.contains("USD 12.34") || page.text.contains("12.34"))
            #expect(page.text.contains("/admin/trading-accounts/mt5_live/5000"))
            let items = try await trading.reconciler.items(runID: run.id)
            #expect(items.count == 2)
            let empty = try await client.execute(uri: "/admin/reconciliation/items/\(items[0].id)/resolve", method: .post, headers: Self.post(finance.cookie),
                                                 body: form([("_csrf", finance.csrf), ("resolution", "")]))
            #expect(empty.status == .badRequest && empty.text.contains("resolution"))
            let resolved = try await client.execute(uri: "/admin/reconciliation/items/\(items[0].id)/resolve", method: .post, headers: Self.post(finance.cookie),
                                                    body: form([("_csrf", finance.csrf), ("resolution", "Marketing bonus <approved> by J. Doe")]))
            #expect(resolved.status == .seeOther)
            let after = try await client.execute(uri: "/admin/reconciliation?run=\(run.id)", method: .get, headers: [.cookie: finance.cookie])
            #expect(after.text.contains("Marketing bonus &lt;approved&gt; by J. Doe"))
        }
    }

    static func client(_ simulator: MT5SimulatorServer) -> MT5Client {
        MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false), managerLogin: 1_000,
                                       password: managerPassword))
    }

    /// The value of a `data-secret` element on a page.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let start = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    static func secret(_ name: String, in html: String) -> String? {
        guard let start = html.range(of: "data-secret=\"\(name)\">") else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "<" })
    }
}
