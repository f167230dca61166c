import BrokerCore
import CommissionsCore
import Foundation
import Hummingbird
import Identity
import Partners
import Commissions
import Platform
import WebKit
import CommissionsWeb

/// Back-office partner pages: the list, one partner with its place in the tree,
/// plan and clients, and the changes (create, move, plan, attribution), each
/// effective from a chosen day and audited.
struct PartnerRoutes {
    let services: PartnersWebServices
    let renderer: PageRenderer
    var partners: BookBuilder { services.partners }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/partners") { _, context in try await self.list(context) }
        routes.post("/admin/partners") { _, context in try await self.create(context) }
        routes.get("/admin/partners/:id") { _, context in try await self.profile(PartnerID(try context.parameters.require("id")), context) }
        routes.post("/admin/partners/:id/move") { _, context in try await self.change(PartnerID(try context.parameters.require("id")), context, .move) }
        routes.post("/admin/partners/:id/plan") { _, context in try await self.change(PartnerID(try context.parameters.require("id")), context, .plan) }
        routes.post("/admin/partners/:id/attribute") { _, context in try await self.change(PartnerID(try context.parameters.require("id")), context, .attribute) }
        routes.post("/admin/partners/:id/override") { _, context in try await self.change(PartnerID(try context.parameters.require("id")), context, .override) }
    }

    enum Change { case move, plan, attribute, override }

    /// The start of the chosen UTC day, or now when none is given.
    func effective(_ text: String?) throws -> Int64 {
        guard let text, !text.isEmpty else { return services.clock.nowMicros() }
        guard let seconds = CivilDay.start(text) else { throw PartnerError.invalid(field: "from", "a day as YYYY-MM-DD") }
        return seconds * 1_000_000
    }

    func list(_ context: AppContext, error: String? = nil) async throws -> Response {
        let now = services.clock.nowMicros()
        let all = try await partners.partners.all()
        let parents = try await partners.partners.parents(at: now)
        let plans = try await partners.plans.assignments(at: now)
        // The whole tree, depth first from each top-level partner, indented by depth.
        let rows = Self.treeOrder(all.map(\.id), parents: parents).compactMap { entry -> (cells: [String], link: (href: String, label: String)?)? in
            guard let partner = all.first(where: { $0.id == entry.id }) else { return nil }
            return ([String(repeating: "· ", count: entry.depth) + partner.name, partner.id.rawValue, renderer.text("partner_kind_\(partner.kind.rawValue)", context), partner.status.rawValue,
                     parents[partner.id]?.rawValue ?? "—", plans[partner.id] ?? "—"], (href: "/admin/partners/\(partner.id)", label: "Open"))
        }
        let planOptions = [("", "none")] + (try await partners.plans.latest()).map { ($0.plan.id, "\($0.plan.name) (v\($0.plan.version))") }
        let parentOptions = [("", "none (top level)")] + all.map { ($0.id.rawValue, "\($0.name) (\($0.id))") }
        let form = PageForm(name: "create", action: "/admin/partners", submit: "Create partner", fields: [
            .input("id", "Id (A-Z, a-z, 0-9, _ and -)", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}"),
            .input("name", "Name", required: true), .input("email", "Email", type: "email"),
            .select("kind", "Kind", options: Partner.Kind.allCases.map { ($0.rawValue, renderer.text("partner_kind_\($0.rawValue)", context)) }, selected: "ib"),
            .select("legal_type", "Person or company", options: Partner.LegalType.allCases.map { ($0.rawValue, $0.rawValue) }, selected: "person"),
            .select("parent", "Parent", options: parentOptions, selected: ""),
            .select("plan", "Commission plan", options: planOptions, selected: ""),
            .input("from", "Effective from (day, UTC; empty: now)", type: "date"),
        ])
        return renderer.sections("Partners", surface: .admin, context: context, error: error, status: error == nil ? .ok : .badRequest, [
            PageSection(table: PageTable(name: "partners", columns: ["Partner (tree)", "Id", "Kind", "Status", "Parent", "Plan"], rows: rows, empty: "No partner yet.")),
            PageSection(id: "new", heading: "New partner", forms: [form]),
        ])
    }

    /// Partners in tree order: each top-level partner followed by its subtree, depth first, siblings by id.
    static func treeOrder(_ ids: [PartnerID], parents: [PartnerID: PartnerID]) -> [(id: PartnerID, depth: Int)] {
        let known = Set(ids)
        var children: [PartnerID: [PartnerID]] = [:]
        for id in ids { children[parents[id].flatMap { known.contains($0) ? $0 : nil } ?? PartnerID(""), default: []].append(id) }
        var result: [(id: PartnerID, depth: Int)] = []
        var stack = (children[PartnerID("")] ?? []).sorted().reversed().map { ($0, 0) }
        var seen: Set<PartnerID> = []
        while let (id, depth) = stack.popLast() {
            guard seen.insert(id).inserted else { continue }
            result.append((id, depth))
            stack += (children[id] ?? []).sorted().reversed().map { ($0, depth + 1) }
        }
        return result
    }

    func create(_ context: AppContext) async throws -> Response {
        let form = context.form
        do {
            let from = try effective(form["from"])
            let partner = Partner(id: PartnerID(form["id"] ?? ""), kind: Partner.Kind(rawValue: form["kind"] ?? "") ?? .ib,
                                  legalType: Partner.LegalType(rawValue: form["legal_type"] ?? "") ?? .person, name: form["name"] ?? "",
                                  email: form["email"] ?? "")
            let parent = (form["parent"] ?? "").isEmpty ? nil : form["parent"].map { PartnerID($0) }
            guard try await partners.partners.partner(partner.id) == nil else { throw PartnerError.invalid(field: "id", "partner \(partner.id) exists already") }
            try await partners.partners.create(partner, parent: parent, from: from, audit: context.audit)
            if let plan = form["plan"], !plan.isEmpty { try await partners.plans.assign(partner.id, plan: plan, from: from, audit: context.audit) }
            return renderer.redirect("/admin/partners/\(partner.id)")
        } catch let error as PartnerError {
            return try await list(context, error: error.description)
        }
    }

    func profile(_ id: PartnerID, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        guard let partner = try await partners.partners.partner(id) else { throw UserFacingError(.notFound, "no partner \(id)") }
        let now = services.clock.nowMicros()
        let chain = try await partners.partners.chain(of: id, at: now)
        let subtree = try await partners.partners.subtree(of: id)
        let plan = try await partners.plans.assignments(at: now)[id]
        let clients = try await partners.attributions.attributions(of: id, at: now)
        let all = try await partners.partners.all()
        let names = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.name) })
        let base = "/admin/partners/\(id)"
        var sections = [PageSection(heading: "Partner", facts: [
            ("Id", partner.id.rawValue, "id"), ("Name", partner.name, "name"), ("Kind", renderer.text("partner_kind_\(partner.kind.rawValue)", context), "kind"),
            ("Person or company", partner.legalType.rawValue, "legal_type"), ("Email", partner.email, "email"), ("Status", partner.status.rawValue, "status"),
            ("Agreement accepted", partner.agreementAcceptedAt == 0 ? "not yet" : Timestamps.iso(partner.agreementAcceptedAt), "agreement"),
            ("Chain to the top", chain.map { "\(names[$0] ?? $0.rawValue) (\($0))" }.joined(separator: " → "), "chain"),
            ("Commission plan", plan ?? "none", "plan"),
        ])]
        sections.append(PageSection(id: "tree", heading: "Tree below", table: PageTable(name: "subtree", columns: ["Level below", "Partner"],
            rows: subtree.map { entry in
                (["\(entry.depth)", String(repeating: "· ", count: entry.depth) + "\(names[entry.partner] ?? entry.partner.rawValue) (\(entry.partner))"],
                 entry.partner == id ? nil : (href: "/admin/partners/\(entry.partner)", label: "Open"))
            })))
        sections.append(PageSection(id: "clients", heading: "Clients and accounts attributed", table: PageTable(name: "clients",
            columns: ["Subject", "Id", "Excluded", "Rebate receiver"],
            rows: clients.map { ([$0.subject.rawValue, $0.subjectID, $0.excluded ? "yes" : "", $0.rebateReceiver?.rawValue ?? ""], nil) }, empty: "No client yet.")))
        let today = now / 86_400_000_000 * 86_400_000_000
        let earnings = try await services.commissions.reports.totals(from: today - 29 * 86_400_000_000, to: today + 86_400_000_000,
                                                                                                 partner: id)
        var earned = PageSection(id: "earnings", heading: "Earnings, last 30 days", table: PageTable(name: "earnings", columns: ["Level", "Rule", "Deals", "Amount"],
            rows: earnings.map { (["\($0.level)", $0.rule, "\($0.deals)", Explain.money($0.amount)], nil) }, empty: "Nothing earned in the last 30 days."))
        earned.more = (href: "/admin/commissions/lines?partner=\(QueryText.escaped(id.rawValue))", label: "Lines")
        sections.append(earned)
        let adjustments = try await services.commissions.tiers.adjustments(of: id)
        let revenue = try await services.commissions.revenueShare.periods(of: id)
        if !adjustments.isEmpty || !revenue.isEmpty {
            sections.append(PageSection(id: "period-end", heading: "Period-end settlements", table: PageTable(name: "period-end",
                columns: ["Period", "What", "Measured", "Paid before", "Due", "Posted"],
                rows: adjustments.map { adjustment in
                    ([adjustment.periodKey, "tiers of \(adjustment.rule)", "\(Explain.lots(adjustment.lots)) lots", Explain.money(adjustment.paid),
                      Explain.money(adjustment.target), Explain.money(adjustment.amount)], nil)
                } + revenue.map { period in
                    ([period.periodKey, "revenue share", "net \(Explain.money(period.net)), carried in \(Explain.money(period.carryIn))", "",
                      "carried out \(Explain.money(period.carryOut))", Explain.money(period.payout)], nil)
                })))
        }
        if let cpa = try await CPASections.profile(id, cpa: services.cpa, web: services.web) { sections.append(cpa) }
        sections.append(try await PayoutRoutes.profileSection(id, payouts: services.commissions.payouts, renderer: renderer, context: context))
        if renderer.allows(context.principal, .post, "/admin/partners/:id/move") {
            let others = all.filter { $0.id != id }
            let plans = try await partners.plans.latest()
            sections.append(PageSection(id: "changes", heading: "Changes", intro: "Each takes effect from the chosen day (UTC) or now; what was earned before stays as it was.", forms: [
                PageForm(name: "move", action: "\(base)/move", submit: "Move in the tree", fields: [
                    .select("parent", "New parent", options: [("", "none (top level)")] + others.map { ($0.id.rawValue, "\($0.name) (\($0.id))") }, selected: chain.dropFirst().first?.rawValue ?? ""),
                    .input("from", "Effective from", type: "date"),
                ]),
                PageForm(name: "plan", action: "\(base)/plan", submit: "Put on plan", fields: [
                    .select("plan", "Plan", options: plans.map { ($0.plan.id, "\($0.plan.name) (v\($0.plan.version))") }, selected: plan ?? ""),
                    .input("from", "Effective from", type: "date"),
                ]),
                PageForm(name: "override", action: "\(base)/override", submit: "Set a personal rate", fields: [
                    .input("rule", "Rule id (per lot)", required: true),
                    .input("applies_to", "Applies to: default, group NAME or symbol NAME", value: "default"),
                    .input("rate", "Rate per lot", required: true),
                    .input("from", "Effective from", type: "date"),
                ]),
                PageForm(name: "attribute", action: "\(base)/attribute", submit: "Attribute", fields: [
                    .select("subject", "What", options: [("client", "a client (by email)"), ("account", "one trading account (server:login)")], selected: "client"),
                    .input("subject_id", "Client email or server:login", required: true),
                    .checkbox("excluded", "Excluded from partner payouts (own or related account)", checked: false),
                    .input("from", "Effective from", type: "date"),
                ]),
            ]))
        }
        return renderer.sections("Partner \(partner.name)", surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func change(_ id: PartnerID, _ context: AppContext, _ change: Change) async throws -> Response {
        guard try await partners.partners.partner(id) != nil else { throw UserFacingError(.notFound, "no partner \(id)") }
        let form = context.form
        do {
            let from = try effective(form["from"])
            switch change {
            case .move:
                let parent = (form["parent"] ?? "").isEmpty ? nil : form["parent"].map { PartnerID($0) }
                try await partners.partners.move(id, to: parent, at: from, audit: context.audit)
            case .plan:
                try await partners.plans.assign(id, plan: form["plan"] ?? "", from: from, audit: context.audit)
            case .override:
                let target = (form["applies_to"] ?? "").trimmingCharacters(in: .whitespaces)
                let parts = target.split(separator: " ", maxSplits: 1).map(String.init)
                let chosen: PlanStore.RateTarget
                switch (parts.first, parts.count) {
                case (nil, _), ("default", 1): chosen = .byDefault
                case ("group", 2): chosen = .group(parts[1])
                case ("symbol", 2): chosen = .symbol(parts[1].uppercased())
                default: throw PartnerError.invalid(field: "applies_to", "default, group NAME or symbol NAME")
                }
                let plan = try await partners.plans.override(partner: id, rule: form["rule"] ?? "", target: chosen, rate: form["rate"] ?? "",
                                                             from: from, audit: context.audit)
                return try await profile(id, context, flash: "Personal rate saved: \(id) is on \(plan.id) v\(plan.version).")
            case .attribute:
                let text = (form["subject_id"] ?? "").trimmingCharacters(in: .whitespaces)
                let subject: Attribution.Subject = form["subject"] == "account" ? .account : .client
                var subjectID = text
                if subject == .client {
                    guard let user = try await services.identity.user(email: text, kind: .trader) else {
                        throw PartnerError.invalid(field: "subject_id", "no client with the email \(text)")
                    }
                    subjectID = user.id.rawValue
                } else {
                    guard let key = TradingAccountKey(text),
                          try await services.trading.accounts.account(serverID: key.server, login: key.login) != nil else {
                        throw PartnerError.invalid(field: "subject_id", "no trading account \(text) (write server:login)")
                    }
                }
                try await partners.attributions.attribute(Attribution(subject: subject, subjectID: subjectID, partnerID: id,
                                                                      excluded: form["excluded"] == "yes"), from: from, audit: context.audit)
            }
            return try await profile(id, context, flash: "Saved.")
        } catch let error as PartnerError {
            return try await profile(id, context, error: error.description)
        }
    }
}
