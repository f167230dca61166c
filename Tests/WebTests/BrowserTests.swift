import BrokerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import MT5Simulator
import Money
import TestSupport
import Testing
import Trading
import WebKit
import App
import Identity

/// Real headless Chromium against the real server over loopback: log in on each
/// surface, see the home page, switch to Arabic and see a right-to-left page.
@Suite(.enabled(if: WebDriver.chromedriver != nil, "chromedriver is not on PATH"))
struct BrowserTests {
    @Test func logInOnEachSurfaceAndSwitchToArabic() async throws {
        let harness = try await WebHarness.make("sqlite", secureCookies: false)
        defer { Task { await harness.db.close() } }
        let app = Application(router: try PipstackWeb.router(services: harness.services).router,
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabases.logger)
        let cases: [(String, String, String)] = [
            ("/admin", harness.users[.staff(.admin)]!.email, "User staff:admin"),
            ("/portal", harness.users[.trader]!.email, "User trader"),
            ("/partners", harness.users[.partner]!.email, "User partner"),
        ]
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await WebDriver.withBrowser { browser in
                for (base, email, name) in cases {
                    try await browser.navigate("http://127.0.0.1:\(port)\(base)/login?lang=en")
                    try await browser.type(email, into: "#email")
                    try await browser.type(WebHarness.password, into: "#password")
                    try await browser.click("#login-submit")
                    let welcome = try await browser.text(of: "#welcome")
                    #expect(welcome.contains(name), "\(base): \(welcome)")
                    #expect(try await browser.waitForURL(endingWith: base).hasSuffix(base))
                    #expect(try await browser.css("direction", of: "main") == "ltr")

                    try await browser.click("a[lang=ar]")
                    #expect(try await browser.css("direction", of: "main") == "rtl")
                    #expect(try await browser.text(of: "#welcome").contains("مرحبًا"))
                    try await browser.screenshot(to: FileManager.default.temporaryDirectory.appendingPathComponent("pipstack\(base.replacingOccurrences(of: "/", with: "-"))-ar.png"))
                    try await browser.click("a[lang=en]")
                    try await browser.click(".logout button")
                    #expect(try await browser.waitForURL(endingWith: "\(base)/login").hasSuffix("\(base)/login"))
                }
            }
        }
    }

    /// A trader opens a live account in Chromium, reads the passwords once, and
    /// moves money from the wallet; the simulator has the account and the deposit.
    @Test func traderOpensAnAccountAndFundsIt() async throws {
        let harness = try await WebHarness.make("sqlite", secureCookies: false)
        defer { Task { await harness.db.close() } }
        let simulator = try await MT5SimulatorServer.start(.init(managerLogin: 1_000, password: "Manager#2026", seed: 4, dealsPerSecond: 0))
        defer { Task { await simulator.stop() } }
        let trading = harness.services.trading
        defer { Task { await trading.platforms.disconnectAll() } }
        try await trading.servers.save(TradeServerConfig(id: "mt5_live", name: "MT5 Live", environment: .live,
                                                         endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false),
                                                         managerLogin: 1_000, password: "Manager#2026", logins: 6_000...6_999), audit: .system)
        try await trading.types.save(AccountType(id: "std", serverID: "mt5_live", name: "Standard", kind: .standard, group: "real\\standard",
                                                 currency: .usd, leverageOptions: [30, 100, 500]), audit: .system)
        let trader = try #require(harness.users[.trader])
        _ = try await harness.services.ledger.post(PostingRules.deposit(key: "fund", client: trader.id.rawValue, provider: "bank",
                                                                        amount: Money(minorUnits: 100_000, currency: .usd), at: 0))
        let app = Application(router: try PipstackWeb.router(services: harness.services).router,
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabases.logger)
        let worker = Task { while !Task.isCancelled { _ = try? await trading.dispatcher.runOnce(); try? await Task.sleep(for: .milliseconds(50)) } }
        defer { worker.cancel() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await WebDriver.withBrowser { browser in
                try await browser.navigate("http://127.0.0.1:\(port)/portal/login?lang=en")
                try await browser.type(trader.email, into: "#email")
                try await browser.type(WebHarness.password, into: "#password")
                try await browser.click("#login-submit")
                _ = try await browser.waitForURL(endingWith: "/portal")
                try await browser.click("nav.sidebar a[href='/portal/accounts']")
                _ = try await browser.waitForURL(endingWith: "/portal/accounts")
                try await browser.click("form[data-form='open-std'] select[name=leverage] option[value='30']")
                try await browser.click("form[data-form='open-std'] button")
                let login = try await browser.text(of: "[data-secret='login']")
                let password = try await browser.text(of: "[data-secret='main_password']")
                #expect(login == "6000" && password.count == 12)
                try await browser.screenshot(to: FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-portal-account-opened.png"))
                try await browser.click("#credentials a")
                _ = try await browser.waitForURL(endingWith: "/portal/accounts/mt5_live/6000")
                #expect(try await browser.text(of: "[data-fact='leverage']") == "1:30")
                try await browser.type("250.00", into: "form[data-form='transfer'] input[name=amount]")
                try await browser.click("form[data-form='transfer'] button")
                #expect(try await browser.text(of: ".flash").contains("Transfer accepted"))
            }
        }
        for _ in 0..<100 where try await trading.operations.list(status: .done).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        let client = MT5Client(configuration: .init(endpoint: MT5Endpoint(host: "127.0.0.1", port: simulator.port, useTLS: false), managerLogin: 1_000,
                                                    password: "Manager#2026"))
        defer { Task { await client.disconnect() } }
        let state = try await client.account(TradingLogin(6_000))
        #expect(state.leverage == 30 && state.balance == PlatformAmount(units: 25_000_000_000))
    }
}
