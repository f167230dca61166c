import BrokerCore
import Foundation
import Hummingbird
import Identity
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
                return try await self.report(nil, context, runID: item.runID, error: error.description)
            } catch StorageError.notFound(_) {
                return try await self.report(nil, context, runID: item.runID, error: "item \(id) is already resolved")
            }
        }
    }

    func report(_ request: Request?, _ context: AppContext, runID: Int64? = nil, flash: String? = nil, error: String? = nil) async throws -> Response {
        let runs = try await reconciler.runs(limit: 30)
        let query = request?.uri.queryParameters
        let chosen = runID ?? query?.get("run").flatMap { Int64(String($0)) } ?? runs.first?.id
        let openOnly = query?.get("open").map { String($0) == "1" } ?? false
        let canResolve = renderer.allows(context.principal, .post, "/admin/reconciliation/items/:id/resolve")
        var sections: [PageSection] = []
        if renderer.allows(context.principal, .post, "/admin/reconciliation/run") {
            sections.append(PageSection(intro: "A run compares every active trading account's operations and ledger mirror with the server's deals and balance, read live. It also runs once a day.",
                                        forms: [PageForm(name: "run", action: "/admin/reconciliation/run", submit: "Run reconciliation now", fields: [])]))
        }
        if let chosen, let run = runs.first(where: { $0.id == chosen }) {
            let items = try await reconciler.items(runID: chosen, openOnly: openOnly)
            let open = items.filter { $0.status == .open }.count
            var section = PageSection(id: "run", heading: "Run \(run.id)", facts: [
                ("Started (UTC)", Timestamps.iso(run.startedAt), "started"), ("Accounts compared", "\(run.accounts)", "accounts"),
                ("Differences", "\(run.differences)", "differences"), ("Open", "\(open)", "open"),
            ] + (run.error.isEmpty ? [] : [("Accounts not compared", run.error, "errors")]))
            section.table = PageTable(name: "items", columns: ["Item", "Account", "Check", "Reference", "Pipstack", "Server", "Detail", "Status", "Resolution"],
                                      rows: items.map { item in
                                          let d = item.difference
                                          return (["\(item.id)", "\(item.serverID):\(item.login)", d.check.explanation, d.reference,
                                                   TradingFormat.minor(d.pipstackAmount, d.currency), TradingFormat.minor(d.serverAmount, d.currency), d.detail,
                                                   item.status.rawValue,
                                                   item.status == .resolved ? "\(item.resolution) (\(item.resolvedBy), \(Timestamps.iso(item.resolvedAt)))" : ""],
                                                  (href: "/admin/trading-accounts/\(item.serverID)/\(item.login)", label: "Account"))
                                      }, empty: "No differences: Pipstack and the servers agree.")
            section.more = openOnly ? (href: "/admin/reconciliation?run=\(chosen)", label: "Show all items")
                                    : (href: "/admin/reconciliation?run=\(chosen)&open=1", label: "Show open items only")
            sections.append(section)
            if canResolve {
                let forms = items.filter { $0.status == .open }.prefix(50).map { item in
                    PageForm(name: "resolve-\(item.id)", action: "/admin/reconciliation/items/\(item.id)/resolve", submit: "Resolve item \(item.id)", fields: [
                        PageField(kind: .textarea, name: "resolution", label: "Item \(item.id) (\(item.serverID):\(item.login), \(item.difference.check.rawValue)): what was found and done",
                                  required: true),
                    ])
                }
                if !forms.isEmpty { sections.append(PageSection(heading: "Resolve", intro: "A resolution is kept with the item and in the audit trail; an unchanged difference stays resolved in later runs.", forms: Array(forms))) }
            }
        }
        sections.append(PageSection(heading: "Runs", table: PageTable(name: "runs", columns: ["Run", "Started (UTC)", "Accounts", "Differences", "Errors"],
                                                                      rows: runs.map { run in
                                                                          (["\(run.id)", Timestamps.iso(run.startedAt), "\(run.accounts)", "\(run.differences)", run.error],
                                                                           (href: "/admin/reconciliation?run=\(run.id)", label: "Open"))
                                                                      }, empty: "No run yet.")))
        return renderer.sections("Reconciliation", surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }
}
