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
            guard APIInput.isLedgerAccountCode(String(code)) else { throw UserFacingError(.badRequest, "account: a ledger account code kind:owner:CCY") }
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
        let t = { (key: String) in renderer.text(key, context) }
        let format = renderer.format(context)
        let accounts = try await ledger.accounts()
        let summary = try await ledger.summary()
        let rows = accounts.map { account -> PageRow in
            let parsed = try? LedgerAccount(code: account.code)
            let balance: PageCell = parsed.map { .money(Money(minorUnits: account.balance, currency: $0.currency)) } ?? .number(account.balance)
            return PageRow(cells: [parsed.map { .text(t("ledger_kind_\($0.kind.rawValue)")) } ?? .empty,
                                   parsed.map { .code($0.owner) } ?? .code(account.code), balance],
                           link: (href: "/admin/ledger/statement?account=\(QueryText.escaped(account.code))", label: t("statement")))
        }
        let totals = summary.cachedTotalsByCurrency.sorted { $0.key < $1.key }.map { code, units -> (label: String, value: String, name: String) in
            let currency = Currency(code: code) ?? Currency(code: code, exponent: 2)
            return (t("ledger_total_in") + " " + code, format.money(Money(minorUnits: units, currency: currency)), "total-\(code)")
        }
        var facts: [(label: String, value: String, name: String)] = [
            (t("ledger_transactions"), format.number(summary.transactions), "transactions"),
            (t("ledger_postings"), format.number(summary.postings), "postings"),
        ] + totals
        if let verification {
            facts.append((t("ledger_verification"), verification.isSound ? t("ledger_verification_sound") : t("ledger_verification_failed") + ": \(verification)",
                          "verification"))
        }
        let verify = PageSection(id: "verify", heading: t("ledger_verify_heading"), intro: t("ledger_verify_intro"), facts: facts,
                                 forms: [PageForm(name: "verify", action: "/admin/ledger/verify", submit: t("ledger_verify_now"), fields: [])])
        let list = PageSection(id: "accounts", heading: t("ledger_accounts"),
                               table: PageTable(name: "ledger-accounts", columns: [PageColumn(t("ledger_col_kind")), PageColumn(t("ledger_col_owner")),
                                                                                   PageColumn(t("col_balance"))],
                                                rows: rows, empty: t("nothing_yet")))
        return renderer.sections(t("nav_ledger"), surface: .admin, context: context, [verify, list])
    }

    /// One account's postings, newest first, with running balances, paged along its chain.
    func statement(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in renderer.text(key, context) }
        let code = request.uri.queryParameters.get("account").map { String($0) } ?? ""
        let account: LedgerAccount
        do { account = try LedgerAccount(code: code) } catch { throw UserFacingError(.badRequest, "account: \(error)") }
        let before = try request.uri.queryParameters.get("before").map { text -> Int64 in
            guard let id = Int64(text), id > 0 else { throw UserFacingError(.badRequest, "before must be a posting id") }
            return id
        }
        let page = try await ledger.statement(of: account, before: before, limit: 100)
        let rows = page.postings.map { posting -> PageRow in
            PageRow(cells: [.number(posting.id), .time(posting.occurredAt), .code(posting.idempotencyKey), .code(posting.kind), .code(posting.memo),
                            .money(Money(minorUnits: posting.amount, currency: account.currency)),
                            .money(Money(minorUnits: posting.balanceAfter, currency: account.currency))])
        }
        let older = page.nextBefore.map { (href: "/admin/ledger/statement?account=\(QueryText.escaped(code))&before=\($0)", label: t("older")) }
        let format = renderer.format(context)
        let facts = PageSection(facts: [
            (t("ledger_col_kind"), t("ledger_kind_\(account.kind.rawValue)"), "kind"), (t("ledger_col_owner"), account.owner, "owner"),
            (t("col_balance"), format.money(Money(minorUnits: page.balance, currency: account.currency)), "balance"),
        ])
        let table = PageSection(id: "postings", heading: t("ledger_postings_newest_first"),
                                table: PageTable(name: "postings", columns: [PageColumn(t("ledger_col_posting")), PageColumn(t("col_time")),
                                                                              PageColumn(t("ledger_col_transaction")), PageColumn(t("ledger_col_posting_kind")),
                                                                              PageColumn(t("ledger_col_memo")), PageColumn(t("col_amount")),
                                                                              PageColumn(t("ledger_col_balance_after"))],
                                                 rows: rows, empty: t("nothing_yet"), pager: older.map { PagePager(older: $0) }))
        return renderer.sections("\(t("ledger_statement")): \(t("ledger_kind_\(account.kind.rawValue)")) · \(account.owner) · \(account.currency.code)",
                                 surface: .admin, context: context, [facts, table])
    }

    /// Posts one balanced transaction, exactly once per `Idempotency-Key`: a replay
    /// answers 200 with the same outcome, a reused key with other content 409. A body
    /// of the wrong shape is refused with 400 (the OpenAPI document's patterns); a
    /// transaction of the right shape that breaks a ledger rule (it does not balance,
    /// a zero posting, more decimals than the currency has) with 422.
    func postTransaction(_ request: Request, _ context: AppContext) async throws -> Response {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/json") else {
            throw UserFacingError(.unsupportedMediaType, "send the transaction as application/json")
        }
        guard let key = request.headers[.idempotencyKey] else {
            throw UserFacingError(.badRequest, "an Idempotency-Key header is required")
        }
        guard APIInput.isVisibleASCII(key, maximum: 200) else {
            throw UserFacingError(.badRequest, "Idempotency-Key: 1 to 200 visible ASCII characters")
        }
        let body = try await request.body.collect(upTo: 256 * 1024)
        let input = try JSONDecoder().decode(TransactionRequest.self, from: Data(buffer: body))
        guard (1...64).contains(input.kind.count) else { throw UserFacingError(.badRequest, "kind: 1 to 64 characters") }
        guard (input.memo ?? "").count <= 500 else { throw UserFacingError(.badRequest, "memo: at most 500 characters") }
        guard (2...100).contains(input.postings.count) else { throw UserFacingError(.badRequest, "postings: between 2 and 100 are allowed") }
        let postings = try input.postings.enumerated().map { index, posting -> Posting in
            guard APIInput.isLedgerAccountCode(posting.account) else {
                throw UserFacingError(.badRequest, "postings[\(index)].account: a ledger account code kind:owner:CCY")
            }
            let account: LedgerAccount
            do { account = try LedgerAccount(code: posting.account) } catch {
                throw UserFacingError(.badRequest, "postings[\(index)].account: \(error)")
            }
            guard APIInput.isDecimal(posting.amount) else {
                throw UserFacingError(.badRequest, "postings[\(index)].amount: a decimal such as -12.50")
            }
            let amount: Money
            do { amount = try Money(parsing: posting.amount, currency: account.currency) } catch {
                throw UserFacingError(.unprocessableContent, "postings[\(index)].amount: \(error)")
            }
            return Posting(account: account, amount: amount.minorUnits)
        }
        let transaction = LedgerTransaction(idempotencyKey: key, kind: input.kind, memo: input.memo ?? "",
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
}

struct TransactionRequest: Decodable {
    struct PostingInput: Decodable {
        let account: String
        let amount: String
    }
    let kind: String
    let memo: String?
    let occurredAt: Int64?
    let postings: [PostingInput]

    enum CodingKeys: String, CodingKey {
        case kind, memo, occurredAt = "occurred_at", postings
    }
}

struct TransactionResponse: Encodable {
    let idempotencyKey: String
    let outcome: String
}
