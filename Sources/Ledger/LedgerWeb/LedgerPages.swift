import BrokerCore
import Foundation
import Hummingbird
import Identity
import LedgerCore
import Money
import Platform
import WebKit
import Ledger

/// The ledger's pages (accounts, statements, full verification) and its JSON API:
/// balances, statements, transactions, and posting a balanced transaction by its
/// idempotency key.
public struct LedgerPages: WebSlice {
    let ledger: LedgerStore
    let clock: any PipstackClock

    public init(ledger: LedgerStore, clock: any PipstackClock) {
        self.ledger = ledger
        self.clock = clock
    }

    public static let permissions: [RoutePermission] = [
        .init(.get, "/admin/ledger", RoutePermission.staff(.admin, .finance)),
        .init(.post, "/admin/ledger/verify", RoutePermission.staff(.admin, .finance)),
        .init(.get, "/admin/ledger/statement", RoutePermission.staff(.admin, .finance)),
        .init(.get, "/api/v1/ledger/accounts", RoutePermission.staff(.admin, .finance)),
        .init(.get, "/api/v1/ledger/statement", RoutePermission.staff(.admin, .finance)),
        .init(.post, "/api/v1/ledger/transactions", RoutePermission.staff(.admin, .finance)),
        .init(.get, "/api/v1/ledger/transactions", RoutePermission.staff(.admin, .finance)),
    ]

    public static let menu = [MenuItem(.admin, "/admin/ledger", label: "nav_ledger", rank: 50)]

    public func register(_ routes: SecuredRoutes) {
        let pages = LedgerRoutes(ledger: ledger, clock: clock, renderer: routes.renderer)
        routes.get("/admin/ledger") { _, context in try await pages.accountsPage(context, verification: nil) }
        routes.post("/admin/ledger/verify") { _, context in
            try await pages.accountsPage(context, verification: try await ledger.verify())
        }
        routes.get("/admin/ledger/statement") { request, context in try await pages.statement(request, context) }
        routes.get("/api/v1/ledger/accounts") { _, context in
            try API.require(.read, context)
            return try API.json(["accounts": try await ledger.accounts()])
        }
        routes.get("/api/v1/ledger/statement") { request, context in
            try API.require(.read, context)
            guard let code = request.uri.queryParameters.get("account") else { throw UserFacingError(.badRequest, "account: a ledger account code is required") }
            let account: LedgerAccount
            do { account = try LedgerAccount(code: String(code)) } catch { throw UserFacingError(.badRequest, "account: \(error)") }
            let before = try request.uri.queryParameters.get("before").map { text -> Int64 in
                guard let id = Int64(text), id > 0 else { throw UserFacingError(.badRequest, "before must be a posting id") }
                return id
            }
            let limit = request.uri.queryParameters.get("limit") == nil ? 50 : try API.limit(request)
            return try API.json(try await ledger.statement(of: account, before: before, limit: limit))
        }
        routes.get("/api/v1/ledger/transactions") { request, context in
            try API.require(.read, context)
            let limit = try API.limit(request)
            return try API.json(["transactions": try await ledger.recentTransactions(limit: limit)])
        }
        routes.post("/api/v1/ledger/transactions") { request, context in
            try API.require(.ledgerWrite, context)
            return try await pages.postTransaction(request, context)
        }
    }
}

/// The handlers behind `LedgerPages`.
struct LedgerRoutes {
    let ledger: LedgerStore
    let clock: any PipstackClock
    let renderer: PageRenderer

    /// Accounts and cached balances, with cheap totals on every view; the full
    /// recomputation (every posting, every chain link) runs on request.
    func accountsPage(_ context: AppContext, verification: LedgerIntegrity?) async throws -> Response {
        let accounts = try await ledger.accounts()
        let summary = try await ledger.summary()
        let rows = accounts.map { account -> [String: Any] in
            ["cells": [account.code, Self.money(account.balance, code: account.code)],
             "link": ["href": "/admin/ledger/statement?account=\(QueryText.escaped(account.code))", "label": "Statement"]]
        }
        let totals = summary.cachedTotalsByCurrency.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var intro = "\(summary.transactions) transactions, \(summary.postings) postings; cached balances sum per currency (minor units): \(totals.isEmpty ? "none" : totals)."
        if let verification {
            intro += verification.isSound
                ? " Full verification: balanced in every currency, cached balances and every posting chain match the postings."
                : " Full verification FAILED: \(verification)"
        }
        let form: [String: Any] = ["action": "/admin/ledger/verify", "submit": "Verify every posting now", "fields": [[String: String]]()]
        return renderer.adminTable(renderer.text("nav_ledger", context), context, columns: ["Account", "Balance"], rows: rows, intro: intro, form: form)
    }

    /// One account's postings, newest first, with running balances, paged along its chain.
    func statement(_ request: Request, _ context: AppContext) async throws -> Response {
        let code = request.uri.queryParameters.get("account").map { String($0) } ?? ""
        let account: LedgerAccount
        do { account = try LedgerAccount(code: code) } catch { throw UserFacingError(.badRequest, "account: \(error)") }
        let before = try request.uri.queryParameters.get("before").map { text -> Int64 in
            guard let id = Int64(text), id > 0 else { throw UserFacingError(.badRequest, "before must be a posting id") }
            return id
        }
        let page = try await ledger.statement(of: account, before: before, limit: 100)
        let rows = page.postings.map { posting -> [String: Any] in
            ["cells": ["\(posting.id)", Timestamps.iso(posting.occurredAt), posting.idempotencyKey, posting.kind, posting.memo,
                       Self.money(posting.amount, code: code), Self.money(posting.balanceAfter, code: code)]]
        }
        let more = page.nextBefore.map { (href: "/admin/ledger/statement?account=\(QueryText.escaped(code))&before=\($0)", label: "Older postings") }
        return renderer.adminTable("\(renderer.text("nav_ledger", context)): \(code)", context,
                     columns: ["Posting", "Time (UTC)", "Transaction", "Kind", "Memo", "Amount", "Balance after"], rows: rows,
                     intro: "Balance \(Self.money(page.balance, code: code)). Newest first.", more: more)
    }

    /// Posts one balanced transaction. The idempotency key comes from the
    /// `Idempotency-Key` header or the body; a replay answers 200 with the same
    /// outcome, a reused key with other content 409.
    func postTransaction(_ request: Request, _ context: AppContext) async throws -> Response {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/json") else {
            throw UserFacingError(.unsupportedMediaType, "send the transaction as application/json")
        }
        let body = try await request.body.collect(upTo: 256 * 1024)
        let input = try JSONDecoder().decode(TransactionRequest.self, from: Data(buffer: body))
        guard let key = request.headers[.idempotencyKey] ?? input.idempotencyKey else {
            throw UserFacingError(.badRequest, "an idempotency key is required (Idempotency-Key header or idempotency_key field)")
        }
        guard (2...100).contains(input.postings.count) else { throw UserFacingError(.badRequest, "postings: between 2 and 100 are allowed") }
        let postings = try input.postings.enumerated().map { index, posting -> Posting in
            let account: LedgerAccount
            do { account = try LedgerAccount(code: posting.account) } catch {
                throw UserFacingError(.badRequest, "postings[\(index)].account: \(error)")
            }
            let amount: Money
            do { amount = try Money(parsing: posting.amount, currency: account.currency) } catch {
                throw UserFacingError(.badRequest, "postings[\(index)].amount: \(error)")
            }
            return Posting(account: account, amount: amount.minorUnits)
        }
        let transaction = LedgerTransaction(idempotencyKey: key, kind: String(input.kind.prefix(64)), memo: String((input.memo ?? "").prefix(500)),
                                            occurredAt: input.occurredAt ?? clock.nowMicros(), postings: postings)
        let audit = context.audit.entry("ledger.post", entityType: "ledger_transaction", entityID: key,
                                        after: "{\"kind\":\(JSONText.quote(transaction.kind)),\"postings\":\(postings.count)}")
        let outcome = try await ledger.post(transaction, audit: audit)
        if outcome == .keyConflict {
            throw UserFacingError(.conflict, "idempotency key \(key) was already used for a different transaction")
        }
        var response = try API.json(TransactionResponse(idempotencyKey: key, outcome: outcome.rawValue))
        response.status = outcome == .posted ? HTTPResponse.Status.created : .ok
        return response
    }

    static func money(_ minorUnits: Int64, code: String) -> String {
        let currency = (try? LedgerAccountCode.currency(of: code)) ?? Currency(code: "XXX", exponent: 2)
        return Money(minorUnits: minorUnits, currency: currency).description
    }
}

/// Reading a currency off a ledger account code without failing on unknown ones.
enum LedgerAccountCode {
    static func currency(of code: String) throws -> Currency {
        let last = code.split(separator: ":").last.map { String($0) } ?? ""
        guard let currency = Currency(code: last) else { throw MoneyError.unknownCurrency(last) }
        return currency
    }
}

struct TransactionRequest: Decodable {
    struct PostingInput: Decodable {
        let account: String
        let amount: String
    }
    let idempotencyKey: String?
    let kind: String
    let memo: String?
    let occurredAt: Int64?
    let postings: [PostingInput]

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key", kind, memo, occurredAt = "occurred_at", postings
    }
}

struct TransactionResponse: Encodable {
    let idempotencyKey: String
    let outcome: String
}
