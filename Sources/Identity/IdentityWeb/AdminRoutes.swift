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

    func audit(_ request: Request, _ context: AppContext) async throws -> Response {
        let entityType = request.uri.queryParameters.get("entity_type").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let entityID = request.uri.queryParameters.get("entity_id").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let events = try await services.db.read { sql in try await AuditLog.recent(on: sql, limit: 200, entityType: entityType, entityID: entityID) }
        let verification = try await services.db.read { sql in try await AuditLog.verify(on: sql) }
        let t = { (key: String) in self.renderer.text(key, context) }
        // People by name: actors are `kind:user id` (staff, traders, partners) or a system's name.
        let names = try await services.actorNames(events.map(\.entry.actor))
        let rows = events.map { event -> PageRow in
            let action = event.entry.action.replacingOccurrences(of: ".", with: "_")
            return PageRow(cells: [.number(event.seq), .time(event.occurredAt), names[event.entry.actor].map { .text($0, sub: event.entry.actor) } ?? .code(event.entry.actor),
                                   .text(t("audit_action_\(action)")), .text(t("audit_entity_\(event.entry.entityType)"), sub: event.entry.entityID),
                                   AuditDiff.cell(before: event.entry.before, after: event.entry.after),
                                   .code(event.entry.ip), .code(event.entry.requestID)])
        }
        let types = Self.auditEntityTypes.map { ($0, t("audit_entity_\($0)")) }
        let filters = PageFilters(fields: [
            .select("entity_type", t("audit_col_entity_type"), options: [("", t("any"))] + types, selected: entityType ?? ""),
            .input("entity_id", t("audit_col_entity_id"), value: entityID ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/audit", label: t("reset_filters")))
        let table = PageTable(name: "audit", columns: [PageColumn("#"), PageColumn(t("col_time")), PageColumn(t("audit_col_actor")),
                                                       PageColumn(t("audit_col_action")), PageColumn(t("audit_col_entity")),
                                                       PageColumn(t("client_changes")), PageColumn(t("audit_col_ip")),
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
        let t = { (key: String) in self.renderer.text(key, context) }
        let status = try QueryParameters.choice(request, "status", as: JobStatus.self)
        let jobs = try await services.jobs.list(status: status, limit: 200)
        let counts = try await services.jobs.counts()
        let tones: [JobStatus: Badge.Tone] = [.pending: .info, .running: .info, .done: .ok, .dead: .bad]
        let rows = jobs.map { job -> PageRow in
            PageRow(cells: [.code(job.id), .text(t("job_kind_\(job.kind.replacingOccurrences(of: ".", with: "_"))")),
                            .badge(Badge(t("job_status_\(job.status.rawValue)"), tone: tones[job.status] ?? .neutral)),
                            .text("\(job.attempts) / \(job.maxAttempts)"), .time(job.runAt), job.lastError.map { .code($0) } ?? .empty],
                    actions: job.status == .dead ? [PageAction(href: "/admin/jobs/\(job.id)/retry", label: t("retry"))] : [])
        }
        let tiles = JobStatus.allCases.map { PageTile(t("job_status_\($0.rawValue)"), .number(Int64(counts[$0] ?? 0)), name: "jobs-\($0.rawValue)") }
        let filters = PageFilters(fields: [
            .select("status", t("col_status"), options: [("", t("any"))] + JobStatus.allCases.map { ($0.rawValue, t("job_status_\($0.rawValue)")) },
                    selected: status?.rawValue ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/jobs", label: t("reset_filters")))
        let table = PageTable(name: "jobs", columns: [PageColumn(t("jobs_col_job")), PageColumn(t("jobs_col_kind")), PageColumn(t("col_status")),
                                                      PageColumn(t("jobs_col_attempts")), PageColumn(t("jobs_col_next_run")), PageColumn(t("jobs_col_last_error"))],
                              rows: rows, empty: t("nothing_yet"))
        return renderer.sections(t("nav_jobs"), surface: .admin, context: context, [PageSection(tiles: tiles), PageSection(table: table, filters: filters)])
    }

    func apiKeysPage(_ context: AppContext, created: String?) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        var keys: [ApiKeySummary] = []
        if let user = context.user { keys = try await services.apiKeys.list(for: user.id) }
        let rows = keys.map { key -> PageRow in
            PageRow(cells: [.code("psk_\(key.id)_…"), .text(key.name), .code(key.scopes), .time(key.createdAt),
                            .badge(key.revokedAt == nil ? Badge(t("api_key_active"), tone: .ok) : Badge(t("api_key_revoked"), tone: .neutral))],
                    actions: key.revokedAt == nil ? [PageAction(href: "/admin/api-keys/\(key.id)/revoke", label: t("api_key_revoke"))] : [])
        }
        var sections: [PageSection] = []
        if let created {
            sections.append(PageSection(id: "created", secrets: (note: t("api_key_shown_once"), items: [(t("api_key_new"), created, "api_key")])))
        }
        sections.append(PageSection(id: "create", heading: t("api_key_create_heading"), intro: t("api_key_intro"), forms: [
            PageForm(name: "create", action: "/admin/api-keys", submit: t("api_key_create"), fields: [
                .input("name", t("api_key_name"), value: "integration", required: true),
                .input("scopes", t("api_key_scopes"), value: "read", required: true, hint: t("api_key_scopes_hint")),
            ]),
        ]))
        sections.append(PageSection(id: "keys", heading: t("api_key_yours"), table: PageTable(
            name: "api-keys", columns: [PageColumn(t("api_key_col_key")), PageColumn(t("api_key_name")), PageColumn(t("api_key_scopes")),
                                        PageColumn(t("api_key_col_created")), PageColumn(t("col_status"))],
            rows: rows, empty: t("nothing_yet"))))
        let response = renderer.sections(t("nav_api_keys"), surface: .admin, context: context, sections)
        guard created != nil else { return response }
        var noStore = response
        noStore.headers[.cacheControl] = "no-store"
        return noStore
    }
}
