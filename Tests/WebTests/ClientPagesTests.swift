import BrokerCore
import Clients
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Ledger
import LedgerCore
import Money
import Partners
import Platform
import TestSupport
import Testing
import Trading
import WebKit

/// Client 360: the list finds clients by name, email, login or id, filters, pages by
/// keyset and exports what it shows; a client's page shows every tab with names,
/// money and a timeline of field changes.
@Suite struct ClientPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func staffFindAClientAndReadEveryTab(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let services = harness.services
        // 60 clients, one with a formula for a name and a trading account, one attributed to a partner.
        var clients: [User] = []
        for index in 0..<60 {
            clients.append(try await services.identity.createUser(kind: .trader, email: "client\(index)@test.example", password: WebHarness.password,
                                                                   displayName: index == 7 ? "=HYPERLINK(\"x\")" : "Client \(index)", brandID: "brand_test", audit: .system))
        }
        let seven = clients[7], twelve = clients[12]
        try await services.trading.servers.save(TradeServerConfig(id: "mt5_live", name: "MT5 Live", environment: .live,
                                                                  endpoint: MT5Endpoint(host: "127.0.0.1", port: 1, useTLS: false), managerLogin: 1,
                                                                  password: "Manager#2026", logins: 9_000...9_999), audit: .system)
        try await services.trading.types.save(AccountType(id: "std", serverID: "mt5_live", name: "Standard", kind: .standard, group: "real\\standard",
                                                          currency: .usd, leverageOptions: [30]), audit: .system)
        let now = services.clock.nowMicros()
        try await services.trading.accounts.insertCreating(TradingAccountRecord(serverID: "mt5_live", login: TradingLogin(9_123), userID: seven.id.rawValue,
                                                                                accountTypeID: "std", group: "real\\standard", currency: "USD", leverage: 30,
                                                                                status: .creating, tradingEnabled: true, requestID: "ta_test_9123",
                                                                                lastError: "", createdAt: now, updatedAt: now), audit: .system)
        try await services.trading.accounts.settle(serverID: "mt5_live", login: TradingLogin(9_123), status: .active, audit: .system)
        _ = try await services.ledger.post(PostingRules.deposit(key: "d-7", client: seven.id.rawValue, provider: "bank",
                                                                amount: Money(minorUnits: 123_456, currency: .usd), at: now))
        try await services.partners.partners.create(Partner(id: "ib", name: "Ivy Brokers"), parent: nil, from: 0, audit: .system)
        try await services.partners.attributions.attribute(Attribution(subject: .client, subjectID: twelve.id.rawValue, partnerID: "ib"), from: 0, audit: .system)
        try await services.web.userAdmin.setActive(seven.id, false, by: nil, audit: AuditContext(actor: harness.users[.staff(.admin)]!.actor))
        // Countries: client 20 lives in Germany, then moves to Spain; an older event arriving late changes nothing.
        let events = ClientEventStore(db: harness.db, clock: services.clock)
        let twenty = clients[20], thirty = clients[30]
        for (id, who, country, at) in [("c1", twenty, "DE", now - 3_000_000), ("c2", twenty, "ES", now - 1_000_000), ("c3", twenty, "FR", now - 2_000_000),
                                       ("c4", thirty, "DE", now - 1_000_000)] {
            #expect(try await events.record(ClientEventRecord(source: "kyc-test", externalID: id, userID: who.id, kind: .country, country: country, occurredAt: at),
                                            audit: .system) == .recorded)
        }

        let staff = try #require(try await harness.session(for: .staff(.dealing)))
        let partner = try #require(try await harness.session(for: .partner))
        try await harness.test { client in
            let get = { (uri: String) in try await client.execute(uri: uri, method: .get, headers: [.cookie: staff.cookie, .accept: "text/html"]) }
            // Paging: 50 of the 60 + the harness's own trader, newest first, then the rest by keyset.
            let first = try await get("/admin/clients")
            #expect(first.status == .ok && first.text.components(separatedBy: "href=\"/admin/clients/usr_").count - 1 == 50)
            let older = try #require(first.text.range(of: "href=\"/admin/clients?after=").map { String(first.text[$0.upperBound...].prefix { $0 != "\"" }) })
            let second = try await get("/admin/clients?after=\(older.replacingOccurrences(of: "&amp;", with: "&"))")
            #expect(second.text.components(separatedBy: "href=\"/admin/clients/usr_").count - 1 == 11 && second.text.contains("Client 0"))

            // Search by name, email, login and id; filter by partner and status.
            #expect(try await get("/admin/clients?q=client%2012").text.contains(twelve.id.rawValue))
            let byLogin = try await get("/admin/clients?q=9123")
            #expect(byLogin.text.contains(seven.id.rawValue) && !byLogin.text.contains(twelve.id.rawValue))
            #expect(try await get("/admin/clients?q=\(twelve.id.rawValue)").text.contains("Client 12"))
            let byPartner = try await get("/admin/clients?partner=ib")
            #expect(byPartner.text.contains("Client 12") && !byPartner.text.contains("Client 13") && byPartner.text.contains("Ivy Brokers"))
            let disabled = try await get("/admin/clients?status=disabled")
            #expect(disabled.text.contains(seven.id.rawValue) && !disabled.text.contains("Client 12"))
            #expect(try await get("/admin/clients?status=gone").status == .badRequest)
            // By country (where each client is now) and by brand, as select boxes offer them.
            let spain = try await get("/admin/clients?country=ES")
            #expect(spain.text.contains(twenty.id.rawValue) && !spain.text.contains(thirty.id.rawValue))
            let germany = try await get("/admin/clients?country=DE")
            #expect(germany.text.contains(thirty.id.rawValue) && !germany.text.contains(twenty.id.rawValue))
            #expect(try await get("/admin/clients?country=FR").text.contains("clients_none") == false)
            #expect(!(try await get("/admin/clients?country=FR").text.contains(twenty.id.rawValue)))
            #expect(first.text.contains("<option value=\"ES\"") && first.text.contains(">Spain<") && first.text.contains("<option value=\"brand_test\""))
            #expect(try await get("/admin/clients?country=es").status == .badRequest)
            #expect(try await get("/admin/clients?brand=brand_test&country=DE").text.contains(thirty.id.rawValue))
            #expect(try await get("/admin/clients?brand=nope").status == .badRequest)

            // The CSV holds the filtered list, and a formula is kept as text.
            let csv = try await client.execute(uri: "/admin/clients/export.csv?q=client", method: .get, headers: [.cookie: staff.cookie])
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true && csv.text.hasPrefix("id,name,email,status,registered"))
            #expect(csv.text.contains("\"'=HYPERLINK(\"\"x\"\")\"") && csv.text.components(separatedBy: "\r\n").count - 2 == 60)

            // Every tab of a client's page.
            let overview = try await get("/admin/clients/\(seven.id)")
            #expect(overview.status == .ok && overview.text.contains("1,234.56") && overview.text.contains("aria-current=\"page\""))
            let accounts = try await get("/admin/clients/\(seven.id)?tab=accounts")
            #expect(accounts.text.contains("9123") && accounts.text.contains("Standard"))
            let wallet = try await get("/admin/clients/\(seven.id)?tab=wallet")
            #expect(wallet.text.contains("Deposit") && wallet.text.contains("1,234.56"))
            #expect(try await get("/admin/clients/\(seven.id)?tab=deals").status == .ok)
            let partnerTab = try await get("/admin/clients/\(twelve.id)?tab=partner")
            #expect(partnerTab.text.contains("Ivy Brokers"))
            let timeline = try await get("/admin/clients/\(seven.id)?tab=timeline")
            #expect(timeline.text.contains("Disabled a login") && timeline.text.contains("status: active → disabled") && timeline.text.contains("User staff:admin"),
                    "people by name, changes by field")
            #expect(try await get("/admin/clients/\(seven.id)?tab=nope").status == .badRequest)
            #expect(try await get("/admin/clients/usr_nobody").status == .notFound)

            // A partner never reads the back office's clients.
            let denied = try await client.execute(uri: "/admin/clients", method: .get, headers: [.cookie: partner.cookie, .accept: "text/html"])
            #expect(denied.status != .ok)
        }
    }

    @Test func auditChangesReadAsNamedFields() {
        #expect(AuditDiff.changes(before: #"{"status":"active","role":"finance"}"#, after: #"{"status":"disabled","role":"finance","n":2}"#)
                == [.init(field: "n", before: nil, after: "2"), .init(field: "status", before: "active", after: "disabled")])
        #expect(AuditDiff.changes(before: "{}", after: "not json").isEmpty)
    }
}
