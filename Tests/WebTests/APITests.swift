import BrokerCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import LedgerCore
import NIOCore
import TestSupport
import Testing
import WebKit
import App
import Platform

@Suite struct APITests {
    static let transaction = #"{"kind":"deposit","memo":"wire","postings":[{"account":"client_wallet:c1:USD","amount":"125.50"},{"account":"psp_clearing:bank:USD","amount":"-125.50"}]}"#

    @Test(arguments: TestDatabases.kinds)
    func ledgerPostsAreIdempotentAndScoped(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let finance = harness.users[.staff(.finance)]!
        let writer = try await harness.services.apiKeys.create(for: finance, name: "psp", scopes: [.read, .ledgerWrite], audit: .system)
        let reader = try await harness.services.apiKeys.create(for: finance, name: "bi", scopes: [.read], audit: .system)
        let json: HTTPFields = [.contentType: "application/json"]
        @Sendable func headers(_ key: String, idempotency: String? = nil) -> HTTPFields {
            var h = json
            h[.authorization] = "Bearer \(key)"
            if let idempotency { h[HTTPField.Name("Idempotency-Key")!] = idempotency }
            return h
        }
        try await harness.test { client in
            let first = try await client.execute(uri: "/api/v1/ledger/transactions", method: .post, headers: headers(writer, idempotency: "wire-1"), body: ByteBuffer(string: Self.transaction))
            #expect(first.status == .created)
            let replay = try await client.execute(uri: "/api/v1/ledger/transactions", method: .post, headers: headers(writer, idempotency: "wire-1"), body: ByteBuffer(string: Self.transaction))
            #expect(replay.status == .ok)
            #expect(replay.text.contains("duplicate"))
            let reuse = try await client.execute(uri: "/api/v1/ledger/transactions", method: .post, headers: headers(writer, idempotency: "wire-1"),
                                                 body: ByteBuffer(string: Self.transaction.replacingOccurrences(of: "125.50", with: "999.00")))
            #expect(reuse.status == .conflict)
            let scoped = try await client.execute(uri: "/api/v1/ledger/transactions", method: .post, headers: headers(reader, idempotency: "wire-2"), body: ByteBuffer(string: Self.transaction))
            #expect(scoped.status == .forbidden)
            let accounts = try await client.execute(uri: "/api/v1/ledger/accounts", method: .get, headers: headers(reader))
            #expect(accounts.status == .ok)
            #expect(accounts.text.contains(#""balance":12550"#))
            // The wallet's statement: newest first, with the balance after each posting.
            let second = Self.transaction.replacingOccurrences(of: "125.50", with: "20.00")
            _ = try await client.execute(uri: "/api/v1/ledger/transactions", method: .post, headers: headers(writer, idempotency: "wire-3"), body: ByteBuffer(string: second))
            let statement = try await client.execute(uri: "/api/v1/ledger/statement?account=client_wallet:c1:USD&limit=1", method: .get, headers: headers(reader))
            #expect(statement.status == .ok)
            #expect(statement.text.contains(#""balance":14550"#) && statement.text.contains(#""balance_after":14550"#) && statement.text.contains(#""idempotency_key":"wire-3""#))
            let older = try await client.execute(uri: "/api/v1/ledger/statement?account=client_wallet:c1:USD&before=\(Self.number(after: "next_before", in: statement.text))",
                                                 method: .get, headers: headers(reader))
            #expect(older.text.contains(#""balance_after":12550"#) && !older.text.contains("next_before\":1"))
            let badAccount = try await client.execute(uri: "/api/v1/ledger/statement?account=nonsense", method: .get, headers: headers(reader))
            #expect(badAccount.status == .badRequest)
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: headers(reader))
            #expect(me.text.contains(finance.email))
            let revoked = try await client.execute(uri: "/api/v1/me", method: .get, headers: headers("psk_nothing_here"))
            #expect(revoked.status == .unauthorized)
        }
        #expect(try await harness.services.ledger.verify().isSound)
        #expect(try await harness.services.ledger.verify().transactions == 2)
    }

    /// The integer after `"key":` in a JSON text, or 0.
    static func number(after key: String, in text: String) -> Int64 {
        guard let range = text.range(of: "\"\(key)\":") else { return 0 }
        return Int64(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    @Test(arguments: TestDatabases.kinds)
    func badInputGetsAClearFourHundredAndNothingIsLost(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let admin = harness.users[.staff(.admin)]!
        let key = try await harness.services.apiKeys.create(for: admin, name: "fuzz", scopes: [.admin], audit: .system)
        let auth: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "k"]
        try await harness.test { client in
            let cases: [(String, HTTPRequest.Method, HTTPFields, ByteBuffer?, Int)] = [
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: "{not json"), 400),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"x"}"#), 400),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"x","postings":[{"account":"nope","amount":"1"},{"account":"suspense:a:USD","amount":"-1"}]}"#), 400),
                // The right shape, but more decimals than US dollars have: a money rule, 422.
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"x","postings":[{"account":"suspense:a:USD","amount":"1.001"},{"account":"suspense:b:USD","amount":"-1"}]}"#), 422),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"x","postings":[{"account":"suspense:a:usd","amount":"1"},{"account":"suspense:b:USD","amount":"-1"}]}"#), 400),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"x","postings":[{"account":"suspense:a:USD","amount":"+1"},{"account":"suspense:b:USD","amount":"-1"}]}"#), 400),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"","postings":[{"account":"suspense:a:USD","amount":"1"},{"account":"suspense:b:USD","amount":"-1"}]}"#), 400),
                // The key travels in the Idempotency-Key header only, as the document says.
                ("/api/v1/ledger/transactions", .post, [.authorization: "Bearer \(key)", .contentType: "application/json"],
                 ByteBuffer(string: #"{"idempotency_key":"b1","kind":"x","postings":[{"account":"suspense:a:USD","amount":"1"},{"account":"suspense:b:USD","amount":"-1"}]}"#), 400),
                ("/api/v1/ledger/statement?account=", .get, auth, nil, 400),
                ("/api/v1/trading/accounts/mt5/0042/deals", .get, auth, nil, 400),
                ("/api/v1/trading/accounts/mt5/42/deals", .get, auth, nil, 404),
                ("/api/v1/trading/balance-operations", .post, [.authorization: "Bearer \(key)", .contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "no spaces allowed"],
                 ByteBuffer(string: #"{"server_id":"mt5","login":"42","kind":"deposit","amount":"1"}"#), 400),
                ("/api/v1/client-events", .post, auth, ByteBuffer(string: #"{"source":"","id":"e1","client_id":"c1","kind":"kyc_approved","occurred_at":1}"#), 400),
                ("/api/v1/client-events", .post, auth, ByteBuffer(string: #"{"source":"psp","id":"e1","client_id":"nobody","kind":"kyc_approved","occurred_at":1}"#), 422),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(string: #"{"kind":"x","postings":[{"account":"suspense:a:USD","amount":"1.00"},{"account":"suspense:b:USD","amount":"-0.99"}]}"#), 422),
                ("/api/v1/ledger/transactions", .post, auth, ByteBuffer(repeating: UInt8(ascii: "a"), count: 300_000), 413),
                ("/api/v1/ledger/transactions", .post, [.authorization: "Bearer \(key)", .contentType: "text/plain"], ByteBuffer(string: "hi"), 415),
                ("/api/v1/nothing-here", .get, auth, nil, 404),
                ("/api/v1/ledger/transactions?limit=abc", .get, auth, nil, 400),
                ("/api/v1/jobs?status=sideways", .get, auth, nil, 400),
                ("/admin/jobs/not-a-job/retry", .post, formHeaders(cookie: nil), form([("_csrf", "x")]), 403),
                ("/portal/login", .post, [.contentType: "application/json"], ByteBuffer(string: "{}"), 415),
            ]
            for (uri, method, headers, body, expected) in cases {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                #expect(response.status.code == expected, "\(method.rawValue) \(uri): \(response.status.code) \(response.text.prefix(160))")
                if uri.hasPrefix("/api/") { #expect(response.text.contains("\"message\""), "\(uri) answers without a message") }
            }
        }
        #expect(try await harness.services.ledger.verify().transactions == 0)
    }

    /// A path that exists under other methods answers 405 and names them in Allow;
    /// a path that does not exist stays 404.
    @Test func aWrongMethodIsToldWhichMethodsThePathHas() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let admin = harness.users[.staff(.admin)]!
        let key = try await harness.services.apiKeys.create(for: admin, name: "methods", scopes: [.admin], audit: .system)
        let auth: HTTPFields = [.authorization: "Bearer \(key)"]
        try await harness.test { client in
            let cases: [(String, HTTPRequest.Method, Int, String?)] = [
                ("/api/v1/me", .init("TRACE")!, 405, "GET"),
                ("/api/v1/ledger/transactions", .delete, 405, "GET, POST"),
                ("/api/v1/clients/usr_1/events", .put, 405, "GET"),
                ("/api/v1/clients/usr_1/nothing", .put, 404, nil),
                ("/api/v1/me", .get, 200, nil),
            ]
            for (uri, method, status, allow) in cases {
                let response = try await client.execute(uri: uri, method: method, headers: auth)
                #expect(response.status.code == status, "\(method.rawValue) \(uri): \(response.status.code)")
                #expect(response.headers[.allow] == allow, "\(method.rawValue) \(uri): Allow \(response.headers[.allow] ?? "none")")
            }
        }
    }

    /// Random bodies, content types and query strings at every API route never produce a 5xx.
    @Test func randomInputToEveryAPIRouteNeverFailsWithAFiveHundred() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let admin = harness.users[.staff(.admin)]!
        let key = try await harness.services.apiKeys.create(for: admin, name: "fuzz", scopes: [.admin], audit: .system)
        let apiRules = PipstackWeb.permissions.rules.filter { $0.path.hasPrefix("/api/") }
        let fragments = ["{", "}", "[", "]", "\"kind\"", ":", ",", "\"postings\"", "null", "1e999", "-", "\"", "\\u0000", "\"account\"", "\"amount\"", "\"1.00\"", "true", "💸", "9223372036854775808"]
        let contentTypes = ["application/json", "text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=utf-8"]
        try await harness.test { client in
            var generator = SeededRandom(seed: 0x5eed)
            for round in 0..<60 {
                for rule in apiRules {
                    var text = ""
                    for _ in 0..<Int(generator.next() % 40) { text += fragments[Int(generator.next() % UInt64(fragments.count))] }
                    var headers: HTTPFields = [.authorization: "Bearer \(key)", HTTPField.Name("Idempotency-Key")!: "fuzz-\(round)"]
                    let type = contentTypes[Int(generator.next() % UInt64(contentTypes.count))]
                    if !type.isEmpty { headers[.contentType] = type }
                    let query = round % 3 == 0 ? "?limit=\(Int64(bitPattern: generator.next()))&status=\(text.prefix(5).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" : ""
                    let response = try await client.execute(uri: rule.path + query, method: rule.method, headers: headers, body: ByteBuffer(string: text))
                    #expect(response.status.code < 500, "\(rule.method.rawValue) \(rule.path)\(query) with \(text.debugDescription): \(response.status.code) \(response.text.prefix(200))")
                }
            }
        }
    }
}


@Suite struct ApiKeyPageTests {
    @Test(arguments: TestDatabases.kinds)
    func staffCreateListAndRevokeTheirKeysButNotOthers(kind: String) async throws {
        let harness = try await WebHarness.make(kind)
        defer { Task { await harness.db.close() } }
        let dealer = try #require(try await harness.session(for: .staff(.dealing)))
        let sales = try #require(try await harness.session(for: .staff(.salesAgent)))
        try await harness.test { client in
            let created = try await client.execute(uri: "/admin/api-keys", method: .post, headers: formHeaders(cookie: dealer.cookie),
                                                   body: form([("_csrf", dealer.csrf), ("name", "reports"), ("scopes", "read")]))
            #expect(created.status == .ok)
            let plaintext = try #require(created.text.range(of: "psk_").map { String(created.text[$0.lowerBound...].prefix { $0 != "<" && $0 != " " }) })
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(plaintext)"])
            #expect(me.status == .ok)
            let id = String(plaintext.dropFirst(4).prefix { $0 != "_" })
            let stranger = try await client.execute(uri: "/admin/api-keys/\(id)/revoke", method: .post, headers: formHeaders(cookie: sales.cookie),
                                                    body: form([("_csrf", sales.csrf)]))
            #expect(stranger.status == .forbidden)
            let revoke = try await client.execute(uri: "/admin/api-keys/\(id)/revoke", method: .post, headers: formHeaders(cookie: dealer.cookie),
                                                  body: form([("_csrf", dealer.csrf)]))
            #expect(revoke.status == .seeOther)
            let after = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(plaintext)"])
            #expect(after.status == .unauthorized)
            let page = try await client.execute(uri: "/admin/api-keys", method: .get, headers: [.cookie: dealer.cookie])
            #expect(page.text.contains("Revoked"))
            #expect(!page.text.contains(plaintext))
        }
    }
}
