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
        routes.post("/admin/partners/:id/invite") { _, context in try await self.invite(PartnerID(try context.parameters.require("id")), context) }
        routes.get("/admin/partners/:id") { request, context in
            let query = request.uri.queryParameters
            let payoutError = query.get("payout_error").map { String($0) }
            return try await self.profile(PartnerID(try context.parameters.require("id")), context,
                                          error: payoutError.map { _ in self.renderer.text("payout_settings_refused", context) },
                                          flash: query.get("saved") == "1" ? self.renderer.text("saved", context)
                                              : query.get("invited") == "1" ? self.renderer.text("partner_invited", context) : nil, payoutError: payoutError)
        }
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
        let t = { (key: String) in self.renderer.text(key, context) }
        let now = services.clock.nowMicros()
        let all = try await partners.partners.all()
        let parents = try await partners.partners.parents(at: now)
        let plans = try await partners.plans.assignments(at: now)
        let latest = try await partners.plans.latest()
        let planNames = Dictionary(latest.map { ($0.plan.id, $0.plan.name) }, uniquingKeysWith: { first, _ in first })
        let names = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.name) })
        // The whole tree, depth first from each top-level partner, indented by depth.
        let rows = Self.treeOrder(all.map(\.id), parents: parents).compactMap { entry -> PageRow? in
            guard let partner = all.first(where: { $0.id == entry.id }) else { return nil }
            return PageRow(cells: [.text(String(repeating: "· ", count: entry.depth) + partner.name, sub: partner.id.rawValue),
                                   .text(PartnerCells.kind(partner.kind, t)), .badge(PartnerCells.status(partner.status, t)),
                                   parents[partner.id].map { .link(names[$0] ?? $0.rawValue, href: "/admin/partners/\($0)") } ?? .empty,
                                   plans[partner.id].map { .text(planNames[$0] ?? $0) } ?? .empty],
                           link: (href: "/admin/partners/\(partner.id)", label: t("open_details")))
        }
        let planOptions = [("", t("none"))] + latest.map { ($0.plan.id, "\($0.plan.name) (v\($0.plan.version))") }
        let parentOptions = [("", t("partner_top_level"))] + all.map { ($0.id.rawValue, $0.name) }
        let form = PageForm(name: "create", action: "/admin/partners", submit: t("partner_create"), fields: [
            .input("id", t("partner_field_id"), required: true, pattern: "[A-Za-z0-9_\\-]{1,64}"),
            .input("name", t("partner_col_name"), required: true), .input("email", t("partner_col_email"), type: "email"),
            .select("kind", t("partner_col_kind"), options: Partner.Kind.allCases.map { ($0.rawValue, PartnerCells.kind($0, t)) }, selected: "ib"),
            .select("legal_type", t("partner_col_legal_type"), options: Partner.LegalType.allCases.map { ($0.rawValue, PartnerCells.legalType($0, t)) }, selected: "person"),
            .select("parent", t("partner_col_parent"), options: parentOptions, selected: ""),
            .select("plan", t("partner_col_plan"), options: planOptions, selected: ""),
            .input("from", t("field_effective_from"), type: "date", hint: t("field_effective_from_hint")),
        ])
        return renderer.sections(t("nav_partners"), surface: .admin, context: context, error: error, status: error == nil ? .ok : .badRequest, [
            PageSection(table: PageTable(name: "partners", columns: [PageColumn(t("partner_col_tree")), PageColumn(t("partner_col_kind")), PageColumn(t("col_status")),
                                                                    PageColumn(t("partner_col_parent")), PageColumn(t("partner_col_plan"))],
                                         rows: rows, empty: t("partners_none"))),
            PageSection(id: "new", heading: t("partner_new"), forms: [form]),
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
            // With an email, the partner gets its own portal login by invitation.
            if !partner.email.isEmpty, try await inviteToPortal(partner.id, context) != nil {
                return renderer.redirect("/admin/partners/\(partner.id)?invited=1")
            }
            return renderer.redirect("/admin/partners/\(partner.id)")
        } catch let error as PartnerError {
            return try await list(context, error: renderer.refusal(error, context))
        }
    }

    /// Invites the partner's email as a partner login and links it to the partner.
    /// Returns nil when the email already has a partner login (nothing is sent).
    @discardableResult
    func inviteToPortal(_ id: PartnerID, _ context: AppContext) async throws -> UserID? {
        guard let partner = try await partners.partners.partner(id), partner.userID.isEmpty, !partner.email.isEmpty else { return nil }
        let web = services.web
        do {
            let user = try await web.invitations.invite(kind: .partner, email: partner.email, displayName: partner.name, language: nil,
                                                        brandID: context.brand?.id ?? BrandID("brand_default"),
                                                        compose: await AccountMail(services: web).composer(.invitation), audit: context.audit)
            try await partners.partners.linkUser(id, userID: user.id, audit: context.audit)
            return user.id
        } catch IdentityError.emailTaken {
            return nil
        }
    }

    /// Sends the partner's invitation (again, when it has one waiting).
    func invite(_ id: PartnerID, _ context: AppContext) async throws -> Response {
        guard let partner = try await partners.partners.partner(id) else { throw UserFacingError(.notFound, "no partner \(id)") }
        if partner.userID.isEmpty {
            guard try await inviteToPortal(id, context) != nil else {
                return try await profile(id, context, error: renderer.text(partner.email.isEmpty ? "partner_invite_no_email" : "user_email_taken", context))
            }
        } else {
            let web = services.web
            do {
                try await web.invitations.resend(userID: UserID(partner.userID), compose: await AccountMail(services: web).composer(.invitation), audit: context.audit)
            } catch IdentityError.notInvited {
                return try await profile(id, context, error: renderer.text("user_not_invited", context))
            }
        }
        return renderer.redirect("/admin/partners/\(id)?invited=1")
    }

    func profile(_ id: PartnerID, _ context: AppContext, error: String? = nil, flash: String? = nil, payoutError: String? = nil) async throws -> Response {
        guard let partner = try await partners.partners.partner(id) else { throw UserFacingError(.notFound, "no partner \(id)") }
        let now = services.clock.nowMicros()
        let chain = try await partners.partners.chain(of: id, at: now)
        let subtree = try await partners.partners.subtree(of: id)
        let plan = try await partners.plans.assignments(at: now)[id]
        let clients = try await partners.attributions.attributions(of: id, at: now)
        let all = try await partners.partners.all()
        let names = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.name) })
        let base = "/admin/partners/\(id)"
        let t = { (key: String) in self.renderer.text(key, context) }
        let format = renderer.format(context)
        let planNames = Dictionary(try await partners.plans.latest().map { ($0.plan.id, $0.plan.name) }, uniquingKeysWith: { first, _ in first })
        let login = partner.userID.isEmpty ? nil : try await services.identity.user(id: UserID(partner.userID))
        let loginText = login.map { UserRoutesText.status($0.status, t) } ?? t("partner_no_login")
        var summary = PageSection(heading: t("partner_summary"), facts: [
            (t("partner_col_name"), partner.name, "name"), (t("partner_col_kind"), PartnerCells.kind(partner.kind, t), "kind"),
            (t("partner_col_legal_type"), PartnerCells.legalType(partner.legalType, t), "legal_type"), (t("partner_col_email"), partner.email, "email"),
            (t("col_status"), PartnerCells.status(partner.status, t).label, "status"),
            (t("partner_agreement_accepted"), partner.agreementAcceptedAt == 0 ? t("not_yet") : format.time(partner.agreementAcceptedAt), "agreement"),
            (t("partner_chain"), chain.map { names[$0] ?? $0.rawValue }.joined(separator: " → "), "chain"),
            (t("partner_col_plan"), plan.map { planNames[$0] ?? $0 } ?? t("none"), "plan"),
            (t("partner_login"), loginText, "login"),
        ])
        if renderer.allows(context.principal, .post, "/admin/partners/:id/invite"), !partner.email.isEmpty, login == nil || login?.status == "invited" {
            summary.actions = [PageAction(href: "\(base)/invite", label: t(login == nil ? "partner_invite" : "user_resend"))]
        }
        var sections = [summary]
        sections.append(PageSection(id: "tree", heading: t("partner_tree_below"), table: PageTable(name: "subtree", columns: [PageColumn(t("col_level_below")),
                                                                                                                            PageColumn(t("col_partner"))],
            rows: subtree.map { entry in
                PageRow(cells: [.number(Int64(entry.depth)), .text(String(repeating: "· ", count: entry.depth) + (names[entry.partner] ?? entry.partner.rawValue))],
                        link: entry.partner == id ? nil : (href: "/admin/partners/\(entry.partner)", label: t("open_details")))
            })))
        var clientRows: [PageRow] = []
        for attribution in clients {
            var who: PageCell = .code(attribution.subjectID)
            if attribution.subject == .client, let user = try await services.identity.user(id: UserID(attribution.subjectID)) {
                who = .text(user.displayName, sub: user.email)
            } else if attribution.subject == .account, let colon = attribution.subjectID.lastIndex(of: ":") {
                // An account links to its page: "server:login".
                let server = attribution.subjectID[..<colon], login = attribution.subjectID[attribution.subjectID.index(after: colon)...]
                who = .link(attribution.subjectID, href: "/admin/trading-accounts/\(server)/\(login)")
            }
            clientRows.append(PageRow(cells: [.text(t("subject_\(attribution.subject.rawValue)")), who,
                                              attribution.excluded ? .badge(Badge(t("excluded"), tone: .warn)) : .empty,
                                              attribution.rebateReceiver.map { .text(names[$0] ?? $0.rawValue) } ?? .empty]))
        }
        sections.append(PageSection(id: "clients", heading: t("partner_clients"), table: PageTable(name: "clients",
            columns: [PageColumn(t("col_type")), PageColumn(t("col_client")), PageColumn(t("partner_col_excluded")), PageColumn(t("partner_col_receiver"))],
            rows: clientRows, empty: t("no_clients"))))
        let today = now / 86_400_000_000 * 86_400_000_000
        let earnings = try await services.commissions.reports.totals(from: today - 29 * 86_400_000_000, to: today + 86_400_000_000,
                                                                                                 partner: id)
        var earned = PageSection(id: "earnings", heading: t("partner_earnings_30"), table: PageTable(name: "earnings", columns: [
            PageColumn(t("col_level")), PageColumn(t("col_rule")), PageColumn(t("col_deals")), PageColumn(t("col_amount"))],
            rows: earnings.map { PageRow(cells: [.number(Int64($0.level)), CommissionCells.rule($0.rule, t), .number(Int64($0.deals)), CommissionCells.earned($0.amount, t)]) },
            empty: t("partner_nothing_earned")))
        earned.more = (href: "/admin/commissions/lines?partner=\(QueryText.escaped(id.rawValue))", label: t("partner_lines"))
        sections.append(earned)
        let adjustments = try await services.commissions.tiers.adjustments(of: id)
        let revenue = try await services.commissions.revenueShare.periods(of: id)
        if !adjustments.isEmpty || !revenue.isEmpty {
            let lots = { (units: Int64) -> String in format.number(units, scale: 8, minimumDecimals: 2) }
            sections.append(PageSection(id: "period-end", heading: t("partner_period_end"), table: PageTable(name: "period-end",
                columns: [PageColumn(t("col_period")), PageColumn(t("partner_col_what")), PageColumn(t("partner_col_measured")), PageColumn(t("partner_col_paid_before")),
                          PageColumn(t("partner_col_due")), PageColumn(t("partner_col_posted"))],
                rows: adjustments.map { adjustment in
                    PageRow(cells: [.code(adjustment.periodKey), .text("\(t("partner_tiers_of")) \(adjustment.rule)"), .text("\(lots(adjustment.lots)) \(t("lots"))"),
                                    CommissionCells.earned(adjustment.paid, t), CommissionCells.earned(adjustment.target, t), CommissionCells.earned(adjustment.amount, t)])
                } + revenue.map { period in
                    PageRow(cells: [.code(period.periodKey), .text(t("partner_revenue_share")),
                                    .text("\(t("partner_net")) \(format.money(Accrual(units: period.net, currency: .usd).rounded().money)), \(t("partner_carried_in")) \(format.money(Accrual(units: period.carryIn, currency: .usd).rounded().money))"),
                                    .empty, .text("\(t("partner_carried_out")) \(format.money(Accrual(units: period.carryOut, currency: .usd).rounded().money))"),
                                    CommissionCells.earned(period.payout, t)])
                })))
        }
        if let cpa = try await CPASections.profile(id, cpa: services.cpa, web: services.web, renderer: renderer, context: context) { sections.append(cpa) }
        sections.append(try await PayoutRoutes.profileSection(id, payouts: services.commissions.payouts, renderer: renderer, context: context, error: payoutError))
        if renderer.allows(context.principal, .post, "/admin/partners/:id/move") {
            let others = all.filter { $0.id != id }
            let plans = try await partners.plans.latest()
            let from = PageField.input("from", t("field_effective_from"), type: "date", hint: t("field_effective_from_hint"))
            sections.append(PageSection(id: "changes", heading: t("partner_changes"), intro: t("partner_changes_intro"), forms: [
                PageForm(name: "move", action: "\(base)/move", submit: t("partner_move"), fields: [
                    .select("parent", t("partner_new_parent"), options: [("", t("partner_top_level"))] + others.map { ($0.id.rawValue, $0.name) },
                            selected: chain.dropFirst().first?.rawValue ?? ""),
                    from,
                ]),
                PageForm(name: "plan", action: "\(base)/plan", submit: t("partner_put_on_plan"), fields: [
                    .select("plan", t("partner_col_plan"), options: plans.map { ($0.plan.id, "\($0.plan.name) (v\($0.plan.version))") }, selected: plan ?? ""),
                    from,
                ]),
                PageForm(name: "override", action: "\(base)/override", submit: t("partner_set_rate"), fields: [
                    .input("rule", t("partner_field_rule"), required: true),
                    .input("applies_to", t("partner_field_applies_to"), value: "default", hint: t("partner_field_applies_to_hint")),
                    .input("rate", t("partner_field_rate"), required: true),
                    from,
                ]),
                PageForm(name: "attribute", action: "\(base)/attribute", submit: t("partner_attribute"), fields: [
                    .select("subject", t("partner_field_what"), options: [("client", t("partner_attribute_client")), ("account", t("partner_attribute_account"))],
                            selected: "client"),
                    .input("subject_id", t("partner_field_subject"), required: true),
                    .checkbox("excluded", t("partner_field_excluded"), checked: false),
                    from,
                ]),
            ]))
        }
        return renderer.sections(partner.name, surface: .admin, context: context, error: error, flash: flash,
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
                return try await profile(id, context, flash: "\(renderer.text("partner_rate_saved", context)) \(plan.name) v\(plan.version)")
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
            return try await profile(id, context, flash: renderer.text("saved", context))
        } catch let error as PartnerError {
            return try await profile(id, context, error: renderer.refusal(error, context))
        }
    }
}
