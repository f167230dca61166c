import BrokerCore
import HTTPTypes
import HummingbirdTesting
import LedgerCore
import Money
import NIOCore
import TestSupport
import Testing
import WebKit
import App
import Platform

/// The back office's ledger pages: accounts, statements along the posting chain,
/// and the full verification on request.
@Suite struct LedgerPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func financeReadsStatementsAndVerifiesTheLedger(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let usd = Currency.usd
        _ = try await harness.services.ledger.post([
            PostingRules.deposit(key: "dep-1", client: "c<1>", provider: "bank", amount: Money(minorUnits: 10_000, currency: usd), at: 0),
            PostingRules.withdrawal(key: "wd-1", client: "c<1>", provider: "bank", amount: Money(minorUnits: 2_550, currency: usd), at: 1),
        ])
        let session = try #require(try await harness.session(for: .staff(.finance)))
        try await harness.test { client in
            let headers: HTTPFields = [.cookie: session.cookie, .accept: "text/html"]
            let accounts = try await client.execute(uri: "/admin/ledger", method: .get, headers: headers)
            #expect(accounts.status == .ok)
            #expect(accounts.text.contains("/admin/ledger/statement?account=client_wallet:c%3C1%3E:USD"))
            #expect(accounts.text.contains("data-fact=\"transactions\">2<") && accounts.text.contains("data-fact=\"postings\">4<"))
            #expect(accounts.text.contains("data-fact=\"total-USD\">0.00\u{00A0}USD<"), "the cached balances sum to zero")
            #expect(accounts.text.contains(">Client wallet<"), "kinds read as words, not codes")

            let statement = try await client.execute(uri: "/admin/ledger/statement?account=client_wallet:c%3C1%3E:USD", method: .get, headers: headers)
            #expect(statement.status == .ok)
            // Newest first with the balance after each posting; the owner is escaped.
            let text = statement.text
            let withdrawal = try #require(text.range(of: "wd-1"))
            let deposit = try #require(text.range(of: "dep-1"))
            #expect(withdrawal.lowerBound < deposit.lowerBound)
            #expect(text.contains("74.50") && text.contains("100.00") && text.contains("-25.50"))
            #expect(text.contains("c&lt;1&gt;") && !text.contains("c<1>"))

            let bad = try await client.execute(uri: "/admin/ledger/statement?account=nonsense", method: .get, headers: headers)
            #expect(bad.status == .badRequest)

            var post = formHeaders(cookie: session.cookie)
            post[.accept] = "text/html"
            let verified = try await client.execute(uri: "/admin/ledger/verify", method: .post, headers: post, body: form([("_csrf", session.csrf)]))
            #expect(verified.status == .ok)
            #expect(verified.text.contains("Balanced in every currency"))
        }
    }
}
