import BrokerCore
import Foundation
import Hummingbird
import Identity
import Money
import Platform
import WebKit
import Trading

/// The reconciliation report: runs, the differences of one run with drill-down
/// to the account, and resolving a difference with a reason (audited).
struct ReconciliationRoutes {
    let services: WebServices
    let renderer: PageRenderer
    let trading: TradingServices
    var reconciler: Reconciler { trading.reconciler }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/reconciliation") { request, context in try await self.report(request, context) }
        routes.post("/admin/reconciliation/run") { _, context in
            let now = self.services.clock.nowMicros()
            let queued = try await self.services.db.transaction { sql in
                try await JobQueue.enqueue(kind: Reconciler.jobKind, payload: "{}", dedupKey: "reconcile:manual:\(now / 60_000_000)",
                                           id: "job_reconcile_\(Tokens.random(bytes: 8))", now: now, on: sql)
            }
            return try await self.report(nil, context, flash: queued ? "Reconciliation queued; it runs in the background (refresh in a moment)." : "A reconciliation was queued a moment ago.")
        }
        routes.post("/admin/reconciliation/items/:id/resolve") { _, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw UserFacingError(.badRequest, "item id must be a number") }
            guard let item = try await self.reconciler.item(id) else { throw UserFacingError(.notFound, "no reconciliation item \(id)") }
            do {
                try await self.reconciler.resolve(itemID: id, resolution: context.form["resolution"] ?? "", audit: context.audit)
                return self.renderer.redirect("/admin/reconciliation?run=\(item.runID)")
            } catch let error as BalanceOperationError {
                return try await self.report(nil, context, runID: item.runID, error: self.renderer.refusal(error, context))
            } catch StorageError.notFound(_) {
                return try await self.report(nil, context, runID: item.runID, error: self.renderer.refusal("item \(id) is already resolved", context))
            }
        }
    }

    func report(_ request: Request?, _ context: AppContext, runID: Int64? = nil, flash: String? = nil, error: String? = nil) async throws -> Response {
        let runs = try await reconciler.runs(limit: 30)
        let query = request?.uri.queryParameters
        let chosen = runID ?? query?.get("run").flatMap { Int64(String($0)) } ?? runs.first?.id
        let openOnly = query?.get("open").map { String($0) == "1" } ?? false
        let canResolve = renderer.allows(context.principal, .post, "/admin/reconciliation/items/:id/resolve")
        let t = { (key: String) in self.renderer.text(key, context) }
        let money = { (units: Int64, code: String) -> PageCell in Currency(code: code).map { .money(Money(minorUnits: units, currency: $0)) } ?? .number(units) }
        var sections: [PageSection] = []
        if renderer.allows(context.principal, .post, "/admin/reconciliation/run") {
            sections.append(PageSection(intro: t("recon_intro"), forms: [PageForm(name: "run", action: "/admin/reconciliation/run", submit: t("recon_run_now"), fields: [])]))
        }
        if let chosen, let run = runs.first(where: { $0.id == chosen }) {
            let items = try await reconciler.items(runID: chosen, openOnly: openOnly)
            let open = items.filter { $0.status == .open }.count
            let format = renderer.format(context)
            var section = PageSection(id: "run", heading: "\(t("recon_run")) \(run.id)", facts: [
                (t("recon_started"), format.time(run.startedAt), "started"), (t("recon_accounts"), format.number(Int64(run.accounts)), "accounts"),
                (t("recon_differences"), format.number(Int64(run.differences)), "differences"), (t("recon_open"), format.number(Int64(open)), "open"),
            ] + (run.error.isEmpty ? [] : [(t("recon_not_compared"), run.error, "errors")]))
            section.table = PageTable(name: "items", columns: [PageColumn(t("recon_col_item")), PageColumn(t("col_trading_account")), PageColumn(t("recon_col_check")),
                                                               PageColumn(t("recon_col_reference")), PageColumn("Pipstack"), PageColumn(t("recon_col_server")),
                                                               PageColumn(t("recon_col_detail")), PageColumn(t("col_status")), PageColumn(t("recon_col_resolution"))],
                                      rows: items.map { item in
                                          let d = item.difference
                                          return PageRow(cells: [.number(item.id), .code("\(item.serverID):\(item.login)"), .text(t("recon_check_\(d.check.rawValue)")),
                                                                 d.reference.isEmpty ? .empty : .code(d.reference), money(d.pipstackAmount, d.currency),
                                                                 money(d.serverAmount, d.currency), d.detail.isEmpty ? .empty : .code(d.detail),
                                                                 .badge(item.status == .open ? Badge(t("recon_status_open"), tone: .warn) : Badge(t("recon_status_resolved"), tone: .ok)),
                                                                 item.status == .resolved ? .text(item.resolution, sub: item.resolvedBy) : .empty],
                                                         link: (href: "/admin/trading-accounts/\(item.serverID)/\(item.login)", label: t("open_details")))
                                      }, empty: t("recon_none"))
            section.more = openOnly ? (href: "/admin/reconciliation?run=\(chosen)", label: t("recon_show_all"))
                                    : (href: "/admin/reconciliation?run=\(chosen)&open=1", label: t("recon_show_open"))
            sections.append(section)
            if canResolve {
                let forms = items.filter { $0.status == .open }.prefix(50).map { item in
                    PageForm(name: "resolve-\(item.id)", action: "/admin/reconciliation/items/\(item.id)/resolve", submit: "\(t("recon_resolve_item")) \(item.id)", fields: [
                        PageField(kind: .textarea, name: "resolution",
                                  label: "\(t("recon_col_item")) \(item.id) · \(item.serverID):\(item.login) · \(t("recon_check_\(item.difference.check.rawValue)"))",
                                  required: true, hint: t("recon_resolution_hint")),
                    ])
                }
                if !forms.isEmpty { sections.append(PageSection(heading: t("recon_resolve"), intro: t("recon_resolve_intro"), forms: Array(forms))) }
            }
        }
        sections.append(PageSection(heading: t("recon_runs"), table: PageTable(name: "runs", columns: [PageColumn(t("recon_run")), PageColumn(t("recon_started")),
                                                                                                      PageColumn(t("recon_accounts")), PageColumn(t("recon_differences")),
                                                                                                      PageColumn(t("recon_not_compared"))],
                                                                      rows: runs.map { run in
                                                                          PageRow(cells: [.number(run.id), .time(run.startedAt), .number(Int64(run.accounts)),
                                                                                          .number(Int64(run.differences)), run.error.isEmpty ? .empty : .code(run.error)],
                                                                                  link: (href: "/admin/reconciliation?run=\(run.id)", label: t("open_details")))
                                                                      }, empty: t("recon_no_run"))))
        return renderer.sections(t("nav_reconciliation"), surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }
}
