import BrokerCore
import Foundation
import Hummingbird
import Identity
import LedgerCore
import Money
import SQLKit
import Platform
import Ledger

/// Back-office pages for the foundation: users, ledger, audit trail, job queue, API keys.
struct AdminRoutes {
    let services: AppServices
    let renderer: PageRenderer

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/users") { request, context in try await self.users(request, context) }
        routes.get("/admin/ledger") { _, context in try await self.ledger(context, verification: nil) }
        routes.post("/admin/ledger/verify") { _, context in
            try await self.ledger(context, verification: try await self.services.ledger.verify())
        }
        routes.get("/admin/ledger/statement") { request, context in try await self.statement(request, context) }
        routes.get("/admin/audit") { request, context in try await self.audit(request, context) }
        routes.get("/admin/jobs") { request, context in try await self.jobs(request, context) }
        routes.post("/admin/jobs/:id/retry") { _, context in
            let id = try context.parameters.require("id")
            guard try await self.services.jobs.retry(id, audit: context.audit.entry("job.retry", entityType: "job", entityID: id)) else {
                throw UserFacingError(.notFound, "no dead job \(id)")
            }
            return self.renderer.redirect("/admin/jobs")
        }
        routes.get("/admin/api-keys") { _, context in try await self.apiKeysPage(context, created: nil) }
        routes.post("/admin/api-keys/:id/revoke") { _, context in
            let id = try context.parameters.require("id")
            guard let user = context.user else { throw UserFacingError(.unauthorized, "log in first") }
            guard let owner = try await self.services.apiKeys.owner(of: id) else { throw UserFacingError(.notFound, "no API key \(id)") }
            // Staff revoke their own keys; administrators any key.
            guard owner == user.id || user.role == .admin else { throw UserFacingError(.forbidden, "only its owner or an administrator may revoke key \(id)") }
            try await self.services.apiKeys.revoke(id: id, audit: context.audit)
            return self.renderer.redirect("/admin/api-keys")
        }
        routes.post("/admin/api-keys") { _, context in
            guard let user = context.user else { throw UserFacingError(.unauthorized, "log in first") }
            let name = String((context.form["name"] ?? "API key").prefix(100))
            let requested = (context.form["scopes"] ?? "read").split(whereSeparator: { $0 == " " || $0 == "," }).map { String($0) }
            let scopes = try requested.map { text -> ApiScope in
                guard let scope = ApiScope(rawValue: text) else { throw UserFacingError(.badRequest, "unknown scope \(text); use read, ledger:write, trading:write, clients:write or admin") }
                return scope
            }
            let key = try await self.services.apiKeys.create(for: user, name: name, scopes: scopes, audit: context.audit)
            return try await self.apiKeysPage(context, created: key)
        }
    }

    func text(_ key: String, _ context: AppContext) -> String { services.localization.text(key, context.language) }

    func table(_ title: String, _ context: AppContext, columns: [String], rows: [[String: Any]], filters: [[String: String]] = [],
               intro: String? = nil, form: [String: Any]? = nil, more: (href: String, label: String)? = nil) -> Response {
        var data: [String: Any] = ["columns": columns, "rows": rows, "filters": filters, "hasFilters": !filters.isEmpty,
                                   "hasActions": rows.contains { $0["action"] != nil }, "hasLinks": rows.contains { $0["link"] != nil }]
        if let intro { data["intro"] = intro }
        if let form { data["form"] = form }
        if let more { data["more"] = ["href": more.href, "label": more.label] }
        return renderer.render("table", title: title, surface: .admin, context: context, data: data)
    }

    func users(_ request: Request, _ context: AppContext) async throws -> Response {
        let search = request.uri.queryParameters.get("q").map { String($0) } ?? ""
        let kind = request.uri.queryParameters.get("kind").flatMap { PrincipalKind(rawValue: String($0)) }
        let users = try await services.identity.users(kind: kind, limit: 500)
            .filter { search.isEmpty || $0.email.localizedCaseInsensitiveContains(search) || $0.displayName.localizedCaseInsensitiveContains(search) }
        let rows = users.map { user -> [String: Any] in
            let cells: [String] = [user.email, user.displayName, user.kind.rawValue, user.role?.displayName ?? "", user.totpEnabled ? "TOTP" : "", user.status]
            return ["cells": cells]
        }
        return table(text("nav_users", context), context, columns: ["Email", "Name", "Kind", "Role", "2FA", "Status"], rows: rows,
                     filters: [["label": "Search", "name": "q", "value": search], ["label": "Kind", "name": "kind", "value": kind?.rawValue ?? ""]])
    }

    /// Accounts and cached balances, with cheap totals on every view; the full
    /// recomputation (every posting, every chain link) runs on request.
    func ledger(_ context: AppContext, verification: LedgerIntegrity?) async throws -> Response {
        let accounts = try await services.ledger.accounts()
        let summary = try await services.ledger.summary()
        let rows = accounts.map { account -> [String: Any] in
            ["cells": [account.code, Self.money(account.balance, code: account.code)],
             "link": ["href": "/admin/ledger/statement?account=\(Self.queryEscaped(account.code))", "label": "Statement"]]
        }
        let totals = summary.cachedTotalsByCurrency.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var intro = "\(summary.transactions) transactions, \(summary.postings) postings; cached balances sum per currency (minor units): \(totals.isEmpty ? "none" : totals)."
        if let verification {
            intro += verification.isSound
                ? " Full verification: balanced in every currency, cached balances and every posting chain match the postings."
                : " Full verification FAILED: \(verification)"
        }
        let form: [String: Any] = ["action": "/admin/ledger/verify", "submit": "Verify every posting now", "fields": [[String: String]]()]
        return table(text("nav_ledger", context), context, columns: ["Account", "Balance"], rows: rows, intro: intro, form: form)
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
        let page = try await services.ledger.statement(of: account, before: before, limit: 100)
        let rows = page.postings.map { posting -> [String: Any] in
            ["cells": ["\(posting.id)", Timestamps.iso(posting.occurredAt), posting.idempotencyKey, posting.kind, posting.memo,
                       Self.money(posting.amount, code: code), Self.money(posting.balanceAfter, code: code)]]
        }
        let more = page.nextBefore.map { (href: "/admin/ledger/statement?account=\(Self.queryEscaped(code))&before=\($0)", label: "Older postings") }
        return table("\(text("nav_ledger", context)): \(code)", context,
                     columns: ["Posting", "Time (UTC)", "Transaction", "Kind", "Memo", "Amount", "Balance after"], rows: rows,
                     intro: "Balance \(Self.money(page.balance, code: code)). Newest first.", more: more)
    }

    static func money(_ minorUnits: Int64, code: String) -> String {
        let currency = (try? LedgerAccountCode.currency(of: code)) ?? Currency(code: "XXX", exponent: 2)
        return Money(minorUnits: minorUnits, currency: currency).description
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func audit(_ request: Request, _ context: AppContext) async throws -> Response {
        let entityType = request.uri.queryParameters.get("entity_type").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let entityID = request.uri.queryParameters.get("entity_id").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let events = try await services.db.read { sql in try await AuditLog.recent(on: sql, limit: 200, entityType: entityType, entityID: entityID) }
        let verification = try await services.db.read { sql in try await AuditLog.verify(on: sql) }
        let intro: String = switch verification {
        case let .intact(count): "Hash chain intact over \(count) events."
        case let .broken(seq, reason, _): "Hash chain BROKEN at event \(seq): \(reason)"
        }
        let rows = events.map { event -> [String: Any] in
            ["cells": ["\(event.seq)", Timestamps.iso(event.occurredAt), event.entry.actor, event.entry.action,
                       "\(event.entry.entityType) \(event.entry.entityID)", event.entry.before, event.entry.after, event.entry.ip, event.entry.requestID]]
        }
        return table(text("nav_audit", context), context, columns: ["#", "Time (UTC)", "Actor", "Action", "Entity", "Before", "After", "IP", "Request"],
                     rows: rows, filters: [["label": "Entity type", "name": "entity_type", "value": entityType ?? ""],
                                           ["label": "Entity id", "name": "entity_id", "value": entityID ?? ""]], intro: intro)
    }

    func jobs(_ request: Request, _ context: AppContext) async throws -> Response {
        let status = request.uri.queryParameters.get("status").flatMap { JobStatus(rawValue: String($0)) }
        let jobs = try await services.jobs.list(status: status, limit: 200)
        let counts = try await services.jobs.counts()
        let rows = jobs.map { job -> [String: Any] in
            var row: [String: Any] = ["cells": [job.id, job.kind, job.status.rawValue, "\(job.attempts)/\(job.maxAttempts)", Timestamps.iso(job.runAt), job.lastError ?? ""]]
            if job.status == .dead { row["action"] = ["href": "/admin/jobs/\(job.id)/retry", "label": text("retry", context)] }
            return row
        }
        let intro = JobStatus.allCases.map { "\($0.rawValue): \(counts[$0] ?? 0)" }.joined(separator: " · ")
        return table(text("nav_jobs", context), context, columns: ["Job", "Kind", "Status", "Attempts", "Next run", "Last error"], rows: rows,
                     filters: [["label": "Status", "name": "status", "value": status?.rawValue ?? ""]], intro: intro)
    }

    func apiKeysPage(_ context: AppContext, created: String?) async throws -> Response {
        let intro = created.map { "New key (shown once, copy it now): \($0)" }
            ?? "Keys act as you, within their scopes (read, ledger:write, trading:write, clients:write, admin). Send them as Authorization: Bearer psk_..."
        let form: [String: Any] = ["action": "/admin/api-keys", "submit": "Create key", "fields": [
            ["label": "Name", "name": "name", "value": "integration"],
            ["label": "Scopes", "name": "scopes", "value": "read"],
        ]]
        var keys: [ApiKeySummary] = []
        if let user = context.user { keys = try await services.apiKeys.list(for: user.id) }
        let rows = keys.map { key -> [String: Any] in
            var row: [String: Any] = ["cells": ["psk_\(key.id)_…", key.name, key.scopes, Timestamps.iso(key.createdAt), key.revokedAt.map { "revoked \(Timestamps.iso($0))" } ?? "active"]]
            if key.revokedAt == nil { row["action"] = ["href": "/admin/api-keys/\(key.id)/revoke", "label": "Revoke"] }
            return row
        }
        return table(text("nav_api_keys", context), context, columns: ["Key", "Name", "Scopes", "Created (UTC)", "Status"], rows: rows, intro: intro, form: form)
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

/// Microsecond timestamps as ISO 8601 text for pages and APIs.
enum Timestamps {
    static func iso(_ micros: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000)).formatted(.iso8601)
    }
}
