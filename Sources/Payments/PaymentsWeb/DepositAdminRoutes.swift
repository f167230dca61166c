import BrokerCore
import Foundation
import Hummingbird
import Identity
import Money
import Payments
import Platform
import WebKit

/// Deposits in the back office: every deposit with its status (chargebacks among them,
/// by filter), one deposit with what happened to it, and a full refund through the
/// provider, confirmed first.
struct DepositAdminRoutes {
    let web: WebServices
    let payments: PaymentsServices
    let renderer: PageRenderer
    static let pageSize = 50

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/payments/deposits") { request, context in try await self.list(request, context) }
        routes.get("/admin/payments/deposits/:id") { request, context in
            let flash = QueryParameters.text(request, "refund") == "requested" ? "deposit_refund_requested"
                : QueryParameters.text(request, "hold") == "lifted" ? "deposit_hold_lifted" : nil
            return try await self.detail(try context.parameters.require("id"), context, flash: flash.map { self.renderer.text($0, context) })
        }
        routes.post("/admin/payments/deposits/:id/refund") { _, context in try await self.refund(try context.parameters.require("id"), context) }
        routes.post("/admin/payments/deposits/:id/lift-hold") { _, context in
            let id = try context.parameters.require("id")
            try await self.payments.credits.liftHold(of: DepositID(id), audit: context.audit)
            return self.renderer.redirect("/admin/payments/deposits/\(id)?hold=lifted")
        }
    }

    func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let state = try QueryParameters.choice(request, "state", as: DepositState.self)
        var before: (Int64, String)?
        if let after = QueryParameters.text(request, "before") {
            let parts = after.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let time = Int64(parts[0]) else { throw UserFacingError(.badRequest, "before: a position from the list's own link") }
            before = (time, String(parts[1]))
        }
        let page = try await payments.deposits.list(state: state, before: before, limit: Self.pageSize + 1)
        let shown = Array(page.prefix(Self.pageSize))
        var names: [UserID: String] = [:]
        for id in Set(shown.map(\.userID)) { names[id] = try await web.identity.user(id: id)?.displayName }
        let rows = shown.map { deposit in
            PageRow(cells: [.time(deposit.createdAt), .link(names[deposit.userID] ?? t("unknown_client"), href: "/admin/clients/\(deposit.userID)"),
                            .money(deposit.amount), .text(t("deposit_method_card")), .badge(DepositBadge.badge(deposit.state, t))],
                    link: (href: "/admin/payments/deposits/\(deposit.id)", label: t("open_details")))
        }
        let filter = state.map { "state=\($0.rawValue)&" } ?? ""
        let older = page.count > Self.pageSize ? shown.last.map { (href: "/admin/payments/deposits?\(filter)before=\($0.createdAt)_\($0.id)", label: t("older")) } : nil
        let filters = PageFilters(fields: [
            .select("state", t("col_status"), options: [("", t("any"))] + DepositState.allCases.map { ($0.rawValue, t("deposit_state_\($0.rawValue)")) },
                    selected: state?.rawValue ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/payments/deposits", label: t("reset_filters")))
        let table = PageTable(name: "deposits", columns: [PageColumn(t("col_time")), PageColumn(t("col_client_name")), PageColumn(t("col_amount")),
                                                          PageColumn(t("deposit_method")), PageColumn(t("col_status"))],
                              rows: rows, empty: t("deposits_none"),
                              pager: before == nil && older == nil ? nil : PagePager(newer: before == nil ? nil : (href: "/admin/payments/deposits?\(filter)", label: t("newest")), older: older))
        return renderer.sections(t("nav_deposits"), surface: .admin, context: context, [PageSection(table: table, filters: filters)])
    }

    func detail(_ id: String, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        guard let deposit = try await payments.deposits.deposit(DepositID(id)) else { throw UserFacingError(.notFound, renderer.text("deposit_not_found", context)) }
        let t = { (key: String) in self.renderer.text(key, context) }
        let format = renderer.format(context)
        let client = try await web.identity.user(id: deposit.userID)
        var actions: [PageAction] = []
        if deposit.state == .approved, deposit.credited, !deposit.reversed, renderer.allows(context.principal, .post, "/admin/payments/deposits/:id/refund") {
            actions.append(PageAction(href: "/admin/payments/deposits/\(deposit.id)/refund", label: t("deposit_refund"),
                                      confirm: t("deposit_refund_confirm").replacingOccurrences(of: "{amount}", with: format.money(deposit.amount))))
        }
        let held = try await payments.credits.isHeld(deposit.userID)
        var facts: [(label: String, value: String, name: String)] = [
            (t("col_status"), DepositBadge.badge(deposit.state, t).label, "state"), (t("col_amount"), format.money(deposit.amount), "amount"),
            (t("col_client_name"), client?.displayName ?? t("unknown_client"), "client"), (t("deposit_method"), t("deposit_method_card"), "method"),
            (t("deposit_provider_reference"), deposit.providerPayment.isEmpty ? "—" : deposit.providerPayment, "provider_reference"),
            (t("deposit_in_wallet"), deposit.credited ? (deposit.reversed ? t("deposit_taken_back") : t("yes")) : t("no"), "credited"),
            (t("col_time"), format.time(deposit.createdAt), "created"),
        ]
        if !deposit.reason.isEmpty { facts.append((t("col_reason"), deposit.reason, "reason")) }
        if held { facts.append((t("deposit_withdrawals"), t("deposit_withdrawals_held"), "hold")) }
        if held, deposit.state == .chargedBack, renderer.allows(context.principal, .post, "/admin/payments/deposits/:id/lift-hold") {
            actions.append(PageAction(href: "/admin/payments/deposits/\(deposit.id)/lift-hold", label: t("deposit_lift_hold"), confirm: t("deposit_lift_hold_confirm")))
        }
        return renderer.sections("\(t("deposit_title")) \(deposit.id)", surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, [PageSection(id: "deposit", facts: facts, more: (href: "/admin/clients/\(deposit.userID)", label: t("deposit_open_client")), actions: actions)])
    }

    func refund(_ id: String, _ context: AppContext) async throws -> Response {
        do {
            try await payments.refund(DepositID(id), audit: context.audit)
            return renderer.redirect("/admin/payments/deposits/\(id)?refund=requested")
        } catch let error as PaymentsServices.RefundRefusal {
            return try await detail(id, context, error: renderer.refusal(error, context))
        } catch let error as CardProviderClient.Failure {
            return try await detail(id, context, error: renderer.refusal(error, context))
        } catch let error as PaymentsServices.StartRefusal {
            return try await detail(id, context, error: renderer.refusal(error, context))
        }
    }
}
