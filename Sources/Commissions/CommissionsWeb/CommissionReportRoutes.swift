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
        let query = request.uri.queryParameters
        let today = services.clock.nowMicros() / 86_400_000_000 * 86_400
        let from = try QueryParameters.day(request, "from") ?? today - 29 * 86_400
        let to = (try QueryParameters.day(request, "to") ?? today) + 86_400
        let partner = query.get("partner").map { String($0) }.flatMap { $0.isEmpty ? nil : PartnerID($0) }
        let totals = try await reports.totals(from: from * 1_000_000, to: to * 1_000_000, partner: partner)
        let rows = totals.map { total -> (cells: [String], link: (href: String, label: String)?) in
            ([total.partner.rawValue, "\(total.level)", total.rule, "\(total.deals)", Explain.money(total.amount)],
             (href: "/admin/commissions/lines?partner=\(QueryText.escaped(total.partner.rawValue))", label: "Lines"))
        }
        let sum = totals.reduce(Int64(0)) { $0 + $1.amount }
        var sections = [PageSection(table: PageTable(name: "totals", columns: ["Partner", "Level", "Rule", "Deals", "Amount"], rows: rows,
                                                     empty: "No commission in the period."))]
        if let partner {
            let symbols = try await reports.bySymbol(partner: partner, from: from * 1_000_000, to: to * 1_000_000)
            sections.append(PageSection(id: "symbols", heading: "\(partner) by symbol", table: PageTable(name: "symbols", columns: ["Symbol", "Lines", "Amount"],
                rows: symbols.map { ([$0.symbol, "\($0.lines)", Explain.money($0.amount)], nil) }, empty: "No line in the period.")))
        }
        if renderer.allows(context.principal, .post, "/admin/commissions/recalculate") {
            sections.append(PageSection(id: "recalculate", heading: "Recalculate a period",
                                        intro: "After a plan, the tree or an attribution was corrected back in time: every computed deal of the period (UTC days, at most 31) is computed again with the books as they stand now, and only the deals that come out differently are reversed and computed anew; partners' balances move by the differences.",
                                        forms: [PageForm(name: "recalculate", action: "/admin/commissions/recalculate", submit: "Recalculate", fields: [
                                            .input("from", "From (day)", type: "date", required: true), .input("to", "To (day, included)", type: "date", required: true),
                                        ])]))
        }
        return renderer.sections("Commissions", surface: .admin, context: context,
                                 intro: "Lines computed from synced deals, by partner, level and rule (amounts in accrual precision, USD). Period \(Timestamps.iso(from * 1_000_000)) to \(Timestamps.iso(to * 1_000_000)) (use ?from=YYYY-MM-DD&to=YYYY-MM-DD&partner=ID). Total \(Explain.money(sum)).",
                                 error: error, flash: flash, sections)
    }

    func lines(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let partner = request.uri.queryParameters.get("partner").map({ String($0) }), !partner.isEmpty else {
            throw UserFacingError(.badRequest, "partner: a partner id is required")
        }
        let lines = try await reports.lines(partner: PartnerID(partner))
        let rows = lines.map { line -> (cells: [String], link: (href: String, label: String)?) in
            ([Timestamps.iso(line.time), "\(line.server):\(line.ticket)", line.symbol, "\(line.level)", Self.rule(line), Explain.money(line.amount)],
             (href: "/admin/commissions/explain?server=\(QueryText.escaped(line.server.rawValue))&ticket=\(line.ticket)", label: "Explain"))
        }
        return renderer.sections("Commission lines of \(partner)", surface: .admin, context: context, intro: "The latest 200, newest first.",
                                 [PageSection(table: PageTable(name: "lines", columns: ["Deal time (UTC)", "Deal", "Symbol", "Level", "Rule", "Amount"],
                                                               rows: rows, empty: "No line yet."))])
    }

    func recalculate(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = context.form
        guard let from = form["from"].flatMap({ CivilDay.start($0) }), let to = form["to"].flatMap({ CivilDay.start($0) }) else {
            return try await totals(request, context, error: "from and to: days as YYYY-MM-DD")
        }
        guard to >= from, to - from <= 30 * 86_400 else { return try await totals(request, context, error: "to: at most 31 days from the first, not before it") }
        let result = try await services.commissions.recalculation.run(from: from * 1_000_000, to: (to + 86_400) * 1_000_000, audit: context.audit)
        return try await totals(request, context, flash: "Recalculated: \(result.checked) computed deals checked, \(result.requeued) differed and are being computed anew.")
    }

    /// The rule, marked when the line reverses what an earlier version of the deal earned.
    package static func rule(_ line: CommissionReports.StoredLine) -> String {
        line.reverses == 0 ? line.rule : "\(line.rule) (reversal of a corrected deal)"
    }

    func explain(_ request: Request, _ context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let server = query.get("server").map({ ServerID(String($0)) }), let ticket = query.get("ticket").flatMap({ UInt64(String($0)) }) else {
            throw UserFacingError(.badRequest, "server and ticket are required")
        }
        guard let explained = try await reports.explain(server: server, ticket: ticket, currency: .usd) else {
            throw UserFacingError(.notFound, "no deal \(server):\(ticket)")
        }
        let stored = try await reports.lines(server: server, ticket: ticket)
        // Stored lines of every version of the deal (corrections reversed) net to what the current one earns.
        let agree = CommissionReports.net(stored) == CommissionReports.net(explained.lines)
        let table = { (name: String, lines: [CommissionReports.StoredLine]) in
            PageTable(name: name, columns: ["Partner", "Level", "Rule", "Amount"],
                      rows: lines.map { (["\($0.partner)", "\($0.level)", Self.rule($0), Explain.money($0.amount)], nil) }, empty: "none")
        }
        return renderer.sections("Deal \(server):\(ticket) explained", surface: .admin, context: context,
                                 intro: agree ? "Recomputed from the stored deal with the tree, attributions and plan versions of its time: the same lines as stored."
                                              : "Recomputed lines DIFFER from the stored ones: the inputs changed after the deal was computed (a correction to review).",
                                 [PageSection(heading: "How", table: PageTable(name: "notes", columns: ["Step"], rows: explained.notes.map { ([$0], nil) })),
                                  PageSection(heading: "Recomputed", table: table("recomputed", explained.lines)),
                                  PageSection(heading: "Stored", table: table("stored", stored))])
    }
}
