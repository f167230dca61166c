import BrokerCore
import CommissionsCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import LedgerCore
import NIOCore
import Partners
import TestSupport
import Testing
import WebKit
import App
import Platform

/// Client events reported through the API, exactly once, and the CPA they make due,
/// as the back office and the partner see it.
@Suite struct CPAPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func reportedDepositAndKYCMakeTheCPADue(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let services = harness.services
        let partnerUser = try #require(harness.users[.partner])
        let trader = try #require(harness.users[.trader])
        try await services.partners.partners.create(Partner(id: "paula", userID: partnerUser.id.rawValue, name: "Paula"), parent: nil, from: 0, audit: .system)
        try await services.partners.plans.save(CommissionPlan(id: "cpa", name: "CPA", rules: [], cpa: .init(
            minFirstDeposit: "100.00", requireKYC: true, withinDays: 30,
            bands: [.init(minDeposit: "1000.00", amount: "250.00"), .init(minDeposit: "100.00", amount: "100.00")])), effectiveFrom: 0, audit: .system)
        try await services.partners.plans.assign("paula", plan: "cpa", from: 0, audit: .system)
        try await services.partners.attributions.attribute(Attribution(subject: .client, subjectID: trader.id.rawValue, partnerID: "paula"), from: 0, audit: .system)
        let finance = try #require(harness.users[.staff(.finance)])
        let writer = try await services.apiKeys.create(for: finance, name: "psp", scopes: [.read, .clientsWrite], audit: .system)
        let reader = try await services.apiKeys.create(for: finance, name: "reports", scopes: [.read], audit: .system)
        let headers: @Sendable (String) -> HTTPFields = { key in [.authorization: "Bearer \(key)", .contentType: "application/json"] }
        let now = services.clock.nowMicros()
        let deposit = #"{"source":"psp-one","id":"dep-1","client_id":"\#(trader.id.rawValue)","kind":"deposit","amount":"150.00","currency":"USD","occurred_at":\#(now)}"#
        let portal = try #require(try await harness.session(for: .partner))
        let staff = try #require(try await harness.session(for: .staff(.ibManager)))
        try await harness.test { client in
            let first = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(writer), body: ByteBuffer(string: deposit))
            #expect(first.status == .created, "\(first.text)")
            let again = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(writer), body: ByteBuffer(string: deposit))
            #expect(again.status == .ok)
            let changed = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(writer),
                                                   body: ByteBuffer(string: deposit.replacingOccurrences(of: "150.00", with: "1500.00")))
            #expect(changed.status == .conflict)
            let noScope = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(reader), body: ByteBuffer(string: deposit))
            #expect(noScope.status == .forbidden)
            let badCountry = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(writer), body: ByteBuffer(string:
                #"{"source":"kyc","id":"k-1","client_id":"\#(trader.id.rawValue)","kind":"kyc_approved","country":"Spain","occurred_at":\#(now)}"#))
            #expect(badCountry.status == .badRequest && badCountry.text.contains("country"))
            let badKind = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(writer), body: ByteBuffer(string:
                deposit.replacingOccurrences(of: "\"deposit\"", with: "\"withdrawal\"").replacingOccurrences(of: "dep-1", with: "dep-2")))
            #expect(badKind.status == .badRequest && badKind.text.contains("kind"))

            // Deposited, not yet verified: the partner sees what is missing, no CPA is decided.
            #expect(try await services.cpa.run(at: services.clock.nowMicros(), audit: .system).isEmpty)
            let waiting = try await client.execute(uri: "/partners/network", method: .get, headers: [.cookie: portal.cookie])
            #expect(waiting.text.contains("CPA waiting for: verification"), "\(waiting.text)")
            let profile = try await client.execute(uri: "/admin/partners/paula", method: .get, headers: [.cookie: staff.cookie, .accept: "text/html"])
            #expect(profile.text.contains("CPA: referred clients") && profile.text.contains("CPA waiting for: verification") && profile.text.contains("150.00"))

            let kyc = try await client.execute(uri: "/api/v1/client-events", method: .post, headers: headers(writer), body: ByteBuffer(string:
                #"{"source":"kyc","id":"k-1","client_id":"\#(trader.id.rawValue)","kind":"kyc_approved","country":"es","occurred_at":\#(now + 1)}"#))
            #expect(kyc.status == .created)
            let listed = try await client.execute(uri: "/api/v1/clients/\(trader.id.rawValue)/events", method: .get, headers: headers(reader))
            #expect(listed.text.contains("\"country\":\"ES\"") && listed.text.contains("\"amount\":\"150.00\""))

            let decided = try await services.cpa.run(at: services.clock.nowMicros(), audit: .system)
            #expect(decided.map(\.amount) == [10_000] && decided.map(\.status) == [.qualified])
            let paid = try await client.execute(uri: "/partners/network", method: .get, headers: [.cookie: portal.cookie])
            #expect(paid.text.contains("CPA paid: 100.00 USD"))
            let spanish = try await client.execute(uri: "/partners/network?lang=es", method: .get, headers: [.cookie: portal.cookie])
            #expect(spanish.text.contains("CPA pagado: 100.00 USD"))
        }
        let payable = LedgerAccount(kind: .ibCommissionPayable, owner: "paula", currency: .usd)
        #expect(try await services.ledger.balance(of: payable) == 10_000)
        let audit = try await harness.db.read { sql in try await AuditLogQuery.actions(on: sql) }
        #expect(audit.filter { $0 == "client_event.record" }.count == 2 && audit.contains("commissions.cpa"))
    }
}
