import BrokerCore
import CommissionsCore
import Foundation
import Hummingbird
import Identity
import Partners
import Commissions
import Money
import Platform
import WebKit
import CommissionsWeb

/// The partner portal's commission pages: the partner's own totals, lines and
/// explanations, never another partner's earnings.
struct PartnerPortalRoutes {
    let services: PartnersWebServices
    let renderer: PageRenderer
    var reports: CommissionReports { services.commissions.reports }

    func register(_ routes: SecuredRoutes) {
        routes.get("/partners/commissions") { _, context in try await self.commissions(context) }
        routes.get("/partners/commissions/explain") { request, context in try await self.explain(request, context) }
        routes.get("/partners/network") { _, context in try await self.network(context) }
    }

    /// The partner's own network: sub-partners below it and the clients and accounts
    /// attributed to it (emails masked; other partners' earnings are not shown).
    func network(_ context: AppContext) async throws -> Response {
        let t = t(context)
        let partner = try await partner(context)
        let now = services.clock.nowMicros()
        let below = try await services.partners.partners.subtree(of: partner.id).filter { $0.partner != partner.id }
        let all = Dictionary(uniqueKeysWithValues: try await services.partners.partners.all().map { ($0.id, $0) })
        var clients: [PageRow] = []
        let cpa = Dictionary(try await services.cpa.standings(of: partner.id, at: now).map { ($0.client, $0) }, uniquingKeysWith: { first, _ in first })
        for attribution in try await services.partners.attributions.attributions(of: partner.id, at: now) {
            var shown = attribution.subjectID
            if attribution.subject == .client {
                shown = (try await services.identity.user(id: UserID(attribution.subjectID))).map { Self.masked($0.email) } ?? t("client_unknown")
            }
            let note = attribution.subject == .client ? CPASections.note(cpa[attribution.subjectID], t: t) : ""
            clients.append(PageRow(cells: [.text(t("subject_\(attribution.subject.rawValue)")), attribution.subject == .client ? .text(shown) : .code(shown),
                                           attribution.excluded ? .badge(Badge(t("excluded"), tone: .warn)) : .empty, note.isEmpty ? .empty : .text(note)]))
        }
        return renderer.sections(t("nav_network"), surface: .partners, context: context, intro: t("partner_network_intro"), [
            PageSection(heading: t("sub_partners"), table: PageTable(name: "sub-partners", columns: [PageColumn(t("col_level_below")), PageColumn(t("col_partner")),
                                                                                                    PageColumn(t("col_status"))],
                rows: below.map { entry in
                    let sub = all[entry.partner]
                    return PageRow(cells: [.number(Int64(entry.depth)), .text(String(repeating: "· ", count: max(0, entry.depth - 1)) + (sub?.name ?? entry.partner.rawValue)),
                                           sub.map { .badge(PartnerCells.status($0.status, t)) } ?? .empty])
                }, empty: t("no_sub_partners"))),
            PageSection(heading: t("your_clients"), table: PageTable(name: "clients", columns: [PageColumn(t("col_type")), PageColumn(t("col_client")),
                                                                                               PageColumn(t("col_note")), PageColumn(t("col_cpa"))],
                rows: clients, empty: t("no_clients"))),
        ])
    }

    /// "a***@example.com": enough for a partner to recognise a client, not to contact one it should not.
    static func masked(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@"), at > email.startIndex else { return "***" }
        return String(email[email.startIndex]) + "***" + String(email[at...])
    }

    func t(_ context: AppContext) -> (String) -> String { { services.localization.text($0, context.language) } }

    func partner(_ context: AppContext) async throws -> Partner {
        try await Self.partner(of: context, services: services)
    }

    static func partner(of context: AppContext, services: PartnersWebServices) async throws -> Partner {
        try await PortalPartner.of(context, partners: services.partners)
    }

    func commissions(_ context: AppContext) async throws -> Response {
        let t = t(context)
        let partner = try await partner(context)
        let today = services.clock.nowMicros() / 86_400_000_000 * 86_400
        let totals = try await reports.totals(from: (today - 29 * 86_400) * 1_000_000, to: (today + 86_400) * 1_000_000, partner: partner.id)
        let lines = try await reports.lines(partner: partner.id, limit: 100)
        return renderer.sections(t("nav_commissions"), surface: .partners, context: context, intro: t("partner_commissions_intro"), [
            PageSection(heading: t("last_30_days"), intro: "\(t("total")): \(renderer.format(context).money(Accrual(units: totals.reduce(0) { $0 + $1.amount }, currency: .usd).rounded().money))",
                        table: PageTable(name: "totals", columns: [PageColumn(t("col_level")), PageColumn(t("col_rule")), PageColumn(t("col_deals")), PageColumn(t("col_amount"))],
                rows: totals.map { PageRow(cells: [.number(Int64($0.level)), CommissionCells.rule($0.rule, t), .number(Int64($0.deals)), CommissionCells.earned($0.amount, t)]) },
                empty: t("no_commissions"))),
            PageSection(heading: t("latest_lines"), table: PageTable(name: "lines", columns: [PageColumn(t("col_time")), PageColumn(t("col_deal")), PageColumn(t("col_symbol")),
                                                                                             PageColumn(t("col_level")), PageColumn(t("col_rule")), PageColumn(t("col_amount"))],
                rows: lines.map { line in
                    PageRow(cells: [.time(line.time), .code("\(line.ticket)"), .code(line.symbol), .number(Int64(line.level)), CommissionCells.rule(line, t),
                                    CommissionCells.earned(line.amount, t)],
                            link: (href: "/partners/commissions/explain?server=\(QueryText.escaped(line.server.rawValue))&ticket=\(line.ticket)", label: t("explain")))
                }, empty: t("no_commissions"))),
        ])
    }

    func explain(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let partner = try await partner(context)
        let query = request.uri.queryParameters
        guard let server = query.get("server").map({ ServerID(String($0)) }), let ticket = query.get("ticket").flatMap({ UInt64(String($0)) }) else {
            throw UserFacingError(.badRequest, "server and ticket are required")
        }
        // Only deals the partner earned on, and only the partner's own part of them.
        let own = try await reports.lines(server: server, ticket: ticket).filter { $0.partner == partner.id }
        guard !own.isEmpty, let explained = try await reports.explain(server: server, ticket: ticket, currency: .usd) else {
            throw UserFacingError(.notFound, "no commission of yours on deal \(server):\(ticket)")
        }
        let levels = Set(own.map(\.level))
        let notes = explained.notes.filter { note in
            note.hasPrefix("pays \(partner.id) ") || levels.contains { note.hasPrefix("level \($0),") } || note.hasPrefix("bonus coefficient")
        }
        return renderer.sections("\(t("col_deal")) \(server):\(ticket)", surface: .partners, context: context, [
            PageSection(heading: t("how_computed"), table: PageTable(name: "notes", columns: [PageColumn(t("col_note"))],
                                                                     rows: notes.map { PageRow(cells: [.text(ExplainText.shown($0, t))]) })),
            PageSection(heading: t("your_lines"), table: PageTable(name: "own", columns: [PageColumn(t("col_level")), PageColumn(t("col_rule")), PageColumn(t("col_amount"))],
                                                                    rows: own.map { PageRow(cells: [.number(Int64($0.level)), CommissionCells.rule($0, t),
                                                                                                    .accrual(Accrual(units: $0.amount, currency: .usd))]) })),
        ])
    }
}
