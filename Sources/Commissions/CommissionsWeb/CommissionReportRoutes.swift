import BrokerCore
import CommissionsCore
import Foundation
import Hummingbird
import Money
import Partners
import Commissions
import Platform
import WebKit

/// Commission reports: totals per partner, level and rule for a period, a
/// partner's lines, and any deal's lines explained, recomputed from the stored deal
/// and compared with what was stored.
package struct CommissionReportRoutes {
    let services: CommissionsWebServices
    let renderer: PageRenderer
    var reports: CommissionReports { services.commissions.reports }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/commissions") { request, context in try await self.totals(request, context) }
        routes.get("/admin/commissions/lines") { request, context in try await self.lines(request, context) }
        routes.get("/admin/commissions/explain") { request, context in try await self.explain(request, context) }
        routes.post("/admin/commissions/recalculate") { request, context in try await self.recalculate(request, context) }
    }

    func totals(_ request: Request, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let format = renderer.format(context)
        let query = request.uri.queryParameters
        let today = services.clock.nowMicros() / 86_400_000_000 * 86_400
        let from = try QueryParameters.day(request, "from") ?? today - 29 * 86_400
        let to = (try QueryParameters.day(request, "to") ?? today) + 86_400
        let partner = query.get("partner").map { String($0) }.flatMap { $0.isEmpty ? nil : PartnerID($0) }
        let totals = try await reports.totals(from: from * 1_000_000, to: to * 1_000_000, partner: partner)
        let names = try await services.partnerNames()
        let rows = totals.map { total -> PageRow in
            PageRow(cells: [.link(names[total.partner] ?? total.partner.rawValue, href: "/admin/partners/\(total.partner)"), .number(Int64(total.level)),
                            CommissionCells.rule(total.rule, t), .number(Int64(total.deals)), CommissionCells.earned(total.amount, t)],
                    link: (href: "/admin/commissions/lines?partner=\(QueryText.escaped(total.partner.rawValue))", label: t("partner_lines")))
        }
        let sum = totals.reduce(Int64(0)) { $0 + $1.amount }
        let filters = PageFilters(fields: [
            .input("from", t("field_from_day"), value: CivilDay.text(of: from), type: "date"),
            .input("to", t("field_to_day"), value: CivilDay.text(of: to - 86_400), type: "date"),
            .select("partner", t("col_partner"), options: [("", t("any"))] + names.sorted { $0.value < $1.value }.map { ($0.key.rawValue, $0.value) },
                    selected: partner?.rawValue ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/commissions", label: t("reset_filters")))
        var sections = [PageSection(tiles: [PageTile(t("commissions_total"), .money(Accrual(units: sum, currency: .usd).rounded().money), name: "total")]),
                        PageSection(table: PageTable(name: "totals", columns: [PageColumn(t("col_partner")), PageColumn(t("col_level")), PageColumn(t("col_rule")),
                                                                               PageColumn(t("col_deals")), PageColumn(t("col_amount"))], rows: rows,
                                                     empty: t("commissions_none")), filters: filters)]
        if let partner {
            let symbols = try await reports.bySymbol(partner: partner, from: from * 1_000_000, to: to * 1_000_000)
            sections.append(PageSection(id: "symbols", heading: "\(names[partner] ?? partner.rawValue) · \(t("commissions_by_symbol"))",
                table: PageTable(name: "symbols", columns: [PageColumn(t("col_symbol")), PageColumn(t("commissions_col_lines")), PageColumn(t("col_amount"))],
                rows: symbols.map { PageRow(cells: [.code($0.symbol), .number(Int64($0.lines)), CommissionCells.earned($0.amount, t)]) }, empty: t("commissions_none"))))
        }
        if renderer.allows(context.principal, .post, "/admin/commissions/recalculate") {
            sections.append(PageSection(id: "recalculate", heading: t("recalc_heading"), intro: t("recalc_intro"),
                                        forms: [PageForm(name: "recalculate", action: "/admin/commissions/recalculate", submit: t("recalc_submit"), fields: [
                                            .input("from", t("field_from_day"), type: "date", required: true), .input("to", t("field_to_day"), type: "date", required: true),
                                        ])]))
        }
        return renderer.sections(t("nav_commissions"), surface: .admin, context: context,
                                 intro: t("commissions_intro").replacingOccurrences(of: "{from}", with: format.day(from * 1_000_000))
                                    .replacingOccurrences(of: "{to}", with: format.day((to - 86_400) * 1_000_000)),
                                 error: error, flash: flash, sections)
    }

    func lines(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        guard let partner = request.uri.queryParameters.get("partner").map({ String($0) }), !partner.isEmpty else {
            throw UserFacingError(.badRequest, "partner: a partner id is required")
        }
        let lines = try await reports.lines(partner: PartnerID(partner))
        let name = try await services.partnerNames()[PartnerID(partner)] ?? partner
        let rows = lines.map { line -> PageRow in
            PageRow(cells: [.time(line.time), .code("\(line.server):\(line.ticket)"), .code(line.symbol), .number(Int64(line.level)), CommissionCells.rule(line, t),
                            CommissionCells.earned(line.amount, t)],
                    link: (href: "/admin/commissions/explain?server=\(QueryText.escaped(line.server.rawValue))&ticket=\(line.ticket)", label: t("explain")))
        }
        return renderer.sections("\(t("partner_lines")) · \(name)", surface: .admin, context: context, intro: t("commissions_lines_intro"),
                                 [PageSection(table: PageTable(name: "lines", columns: [PageColumn(t("col_time")), PageColumn(t("col_deal")), PageColumn(t("col_symbol")),
                                                                                       PageColumn(t("col_level")), PageColumn(t("col_rule")), PageColumn(t("col_amount"))],
                                                               rows: rows, empty: t("no_commissions")))])
    }

    func recalculate(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let form = context.form
        guard let from = form["from"].flatMap({ CivilDay.start($0) }), let to = form["to"].flatMap({ CivilDay.start($0) }) else {
            return try await totals(request, context, error: t("recalc_bad_days"))
        }
        guard to >= from, to - from <= 30 * 86_400 else { return try await totals(request, context, error: t("recalc_too_long")) }
        let result = try await services.commissions.recalculation.run(from: from * 1_000_000, to: (to + 86_400) * 1_000_000, audit: context.audit)
        return try await totals(request, context, flash: t("recalc_done").replacingOccurrences(of: "{checked}", with: "\(result.checked)")
                                    .replacingOccurrences(of: "{requeued}", with: "\(result.requeued)"))
    }

    /// The rule, marked when the line reverses what an earlier version of the deal earned.
    package static func rule(_ line: CommissionReports.StoredLine) -> String {
        line.reverses == 0 ? line.rule : "\(line.rule) (reversal of a corrected deal)"
    }

    func explain(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let query = request.uri.queryParameters
        guard let server = query.get("server").map({ ServerID(String($0)) }), let ticket = query.get("ticket").flatMap({ UInt64(String($0)) }) else {
            throw UserFacingError(.badRequest, "server and ticket are required")
        }
        guard let explained = try await reports.explain(server: server, ticket: ticket, currency: .usd) else {
            throw UserFacingError(.notFound, "no deal \(server):\(ticket)")
        }
        let stored = try await reports.lines(server: server, ticket: ticket)
        let names = try await services.partnerNames()
        // Stored lines of every version of the deal (corrections reversed) net to what the current one earns.
        let agree = CommissionReports.net(stored) == CommissionReports.net(explained.lines)
        let table = { (name: String, lines: [CommissionReports.StoredLine]) in
            PageTable(name: name, columns: [PageColumn(t("col_partner")), PageColumn(t("col_level")), PageColumn(t("col_rule")), PageColumn(t("col_amount"))],
                      rows: lines.map { PageRow(cells: [.text(names[$0.partner] ?? $0.partner.rawValue), .number(Int64($0.level)), CommissionCells.rule($0, t),
                                                        .accrual(Accrual(units: $0.amount, currency: .usd))]) }, empty: "—")
        }
        return renderer.sections("\(t("col_deal")) \(server):\(ticket)", surface: .admin, context: context,
                                 intro: agree ? t("explain_agree") : t("explain_differ"),
                                 [PageSection(heading: t("how_computed"), table: PageTable(name: "notes", columns: [PageColumn(t("col_note"))],
                                                                                          rows: explained.notes.map { PageRow(cells: [.text(ExplainText.shown($0, t))]) })),
                                  PageSection(heading: t("explain_recomputed"), table: table("recomputed", explained.lines)),
                                  PageSection(heading: t("explain_stored"), table: table("stored", stored))])
    }
}
