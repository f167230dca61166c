import BrokerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Web

/// Real headless Chromium against the real server over loopback: log in on each
/// surface, see the home page, switch to Arabic and see a right-to-left page.
@Suite(.enabled(if: WebDriver.chromedriver != nil, "chromedriver is not on PATH"))
struct BrowserTests {
    @Test func logInOnEachSurfaceAndSwitchToArabic() async throws {
        let harness = try await WebHarness.make("sqlite", secureCookies: false)
        defer { Task { await harness.db.close() } }
        let app = Application(router: PipstackWeb.router(services: harness.services).router,
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
}
