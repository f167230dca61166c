import BrokerCore
import Foundation
import Hummingbird
import Identity
import Platform
import WebKit

/// Back-office pages for the foundation: users, audit trail, job queue, API keys.
struct AdminRoutes {
    let services: WebServices
    let renderer: PageRenderer

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/users") { request, context in try await self.users(request, context) }
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

    func users(_ request: Request, _ context: AppContext) async throws -> Response {
        let search = request.uri.queryParameters.get("q").map { String($0) } ?? ""
        let kind = try QueryParameters.choice(request, "kind", as: PrincipalKind.self)
        let users = try await services.identity.users(kind: kind, limit: 500)
            .filter { search.isEmpty || $0.email.localizedCaseInsensitiveContains(search) || $0.displayName.localizedCaseInsensitiveContains(search) }
        let rows = users.map { user -> [String: Any] in
            let cells: [String] = [user.email, user.displayName, user.kind.rawValue, user.role?.displayName ?? "", user.totpEnabled ? "TOTP" : "", user.status]
            return ["cells": cells]
        }
        return renderer.adminTable(renderer.text("nav_users", context), context, columns: ["Email", "Name", "Kind", "Role", "2FA", "Status"], rows: rows,
                     filters: [["label": "Search", "name": "q", "value": search], ["label": "Kind", "name": "kind", "value": kind?.rawValue ?? ""]])
    }

    func audit(_ request: Request, _ context: AppContext) async throws -> Response {
        let entityType = request.uri.queryParameters.get("entity_type").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let entityID = request.uri.queryParameters.get("entity_id").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let events = try await services.db.read { sql in try await AuditLog.recent(on: sql, limit: 200, entityType: entityType, entityID: entityID) }
        let verification = try await services.db.read { sql in try await AuditLog.verify(on: sql) }
        let t = { (key: String) in self.renderer.text(key, context) }
        let rows = events.map { event -> PageRow in
            let action = event.entry.action.replacingOccurrences(of: ".", with: "_")
            return PageRow(cells: [.number(event.seq), .time(event.occurredAt), .code(event.entry.actor), .text(t("audit_action_\(action)")),
                                   .text(t("audit_entity_\(event.entry.entityType)"), sub: event.entry.entityID),
                                   .code(event.entry.before), .code(event.entry.after), .code(event.entry.ip), .code(event.entry.requestID)])
        }
        let types = Self.auditEntityTypes.map { ($0, t("audit_entity_\($0)")) }
        let filters = PageFilters(fields: [
            .select("entity_type", t("audit_col_entity_type"), options: [("", t("any"))] + types, selected: entityType ?? ""),
            .input("entity_id", t("audit_col_entity_id"), value: entityID ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/audit", label: t("reset_filters")))
        let table = PageTable(name: "audit", columns: [PageColumn("#"), PageColumn(t("col_time")), PageColumn(t("audit_col_actor")),
                                                       PageColumn(t("audit_col_action")), PageColumn(t("audit_col_entity")),
                                                       PageColumn(t("audit_col_before")), PageColumn(t("audit_col_after")), PageColumn(t("audit_col_ip")),
                                                       PageColumn(t("audit_col_request"))],
                              rows: rows, empty: t("nothing_yet"))
        let chain: String = switch verification {
        case let .intact(count): String(format: t("audit_chain_intact"), "\(count)")
        case let .broken(seq, reason, _): String(format: t("audit_chain_broken"), "\(seq)") + ": \(reason)"
        }
        return renderer.sections(t("nav_audit"), surface: .admin, context: context, intro: chain, [PageSection(table: table, filters: filters)])
    }

    /// Every kind of thing the audit trail records, for its filter.
    static let auditEntityTypes = ["account", "account_type", "api_key", "balance_operation", "brand", "client", "client_event", "commission_plan",
                                   "commissions", "deal_sync", "exchange_rate", "instrument", "job", "ledger_transaction", "partner",
                                   "payout", "payout_settings", "reconciliation_item", "reconciliation_run", "session", "trade_server",
                                   "trading_account", "user"]

    func jobs(_ request: Request, _ context: AppContext) async throws -> Response {
        let status = try QueryParameters.choice(request, "status", as: JobStatus.self)
        let jobs = try await services.jobs.list(status: status, limit: 200)
        let counts = try await services.jobs.counts()
        let rows = jobs.map { job -> [String: Any] in
            var row: [String: Any] = ["cells": [job.id, job.kind, job.status.rawValue, "\(job.attempts)/\(job.maxAttempts)", Timestamps.iso(job.runAt), job.lastError ?? ""]]
            if job.status == .dead { row["action"] = ["href": "/admin/jobs/\(job.id)/retry", "label": renderer.text("retry", context)] }
            return row
        }
        let intro = JobStatus.allCases.map { "\($0.rawValue): \(counts[$0] ?? 0)" }.joined(separator: " · ")
        return renderer.adminTable(renderer.text("nav_jobs", context), context, columns: ["Job", "Kind", "Status", "Attempts", "Next run", "Last error"], rows: rows,
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
        return renderer.adminTable(renderer.text("nav_api_keys", context), context, columns: ["Key", "Name", "Scopes", "Created (UTC)", "Status"], rows: rows, intro: intro, form: form)
    }
}
