import BrokerCore
import CommissionsCore
import Foundation
import Hummingbird
import Identity
import Partners
import Commissions
import Platform
import WebKit

/// Commission plans in the back office: the list, one plan's versions with their
/// JSON and rates, and importing a plan (a new version) from its JSON, refused with
/// the path of the offending field.
struct CommissionPlanRoutes {
    let services: CommissionsWebServices
    let renderer: PageRenderer
    var plans: PlanStore { services.partners.plans }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/commission-plans") { _, context in try await self.list(context) }
        routes.post("/admin/commission-plans") { _, context in try await self.importPlan(context) }
        routes.post("/admin/commission-plans/form") { _, context in try await self.formPlan(context) }
        routes.get("/admin/commission-plans/:id") { _, context in try await self.plan(try context.parameters.require("id"), context) }
        routes.get("/admin/commission-plans/:id/export") { request, context in
            try await self.export(try context.parameters.require("id"), version: request.uri.queryParameters.get("version").flatMap { Int($0) })
        }
    }

    func list(_ context: AppContext, error: String? = nil, draft: String = "", preview: PageSection? = nil) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let rows = try await plans.latest().map { entry -> PageRow in
            PageRow(cells: [.text(entry.plan.name, sub: entry.plan.id), .text("v\(entry.plan.version)"), .text(entry.plan.currency),
                            .text(Self.distribution(entry.plan.distribution, t)), .text(entry.plan.rules.map { Self.ruleName($0, t) }.joined(separator: ", ")),
                            .time(entry.effectiveFrom)],
                    link: (href: "/admin/commission-plans/\(entry.plan.id)", label: t("open_details")))
        }
        var sections = [PageSection(table: PageTable(name: "plans", columns: [PageColumn(t("plan_col_name")), PageColumn(t("plan_col_version")),
                                                                             PageColumn(t("account_currency")), PageColumn(t("plan_col_distribution")),
                                                                             PageColumn(t("plan_col_rules")), PageColumn(t("instrument_col_from"))],
                                                     rows: rows, empty: t("plans_none")))]
        if renderer.allows(context.principal, .post, "/admin/commission-plans") {
            sections.append(PageSection(id: "import", heading: t("plan_import_heading"), intro: t("plan_import_intro"),
                                        forms: [PageForm(name: "import", action: "/admin/commission-plans", submit: t("plan_validate_save"), fields: [
                                            PageField(kind: .textarea, name: "document", label: t("plan_json"), value: draft, required: true),
                                            .input("from", t("field_effective_from"), type: "date", hint: t("field_effective_from_hint")),
                                            .checkbox("preview", t("plan_preview_only"), checked: false),
                                            .input("partner", t("plan_preview_partner")),
                                        ])]))
            sections.append(PageSection(id: "form", heading: t("plan_form_heading"), intro: t("plan_form_intro"),
                                        forms: [PageForm(name: "plan-form", action: "/admin/commission-plans/form", submit: t("plan_validate_save"), fields: [
                                            .input("id", t("plan_field_id"), required: true, pattern: "[A-Za-z0-9_\\-]{1,64}"), .input("name", t("plan_col_name"), required: true),
                                            .input("currency", t("account_currency"), value: "USD", required: true),
                                            .select("distribution", t("plan_col_distribution"), options: [("difference", t("plan_distribution_difference")),
                                                                                                          ("direct", t("plan_distribution_direct"))], selected: "difference"),
                                            .select("earn_on", t("plan_earn_on"), options: CommissionPlan.EarnOn.allCases.map { ($0.rawValue, t("plan_earn_on_\($0.rawValue)")) },
                                                    selected: "close"),
                                            .input("default", t("plan_field_default_rate"), required: true),
                                            .input("groups", t("plan_field_group_rates"), hint: t("plan_field_group_rates_hint")),
                                            .input("symbols", t("plan_field_symbol_rates"), hint: t("plan_field_symbol_rates_hint")),
                                            .input("account_types", t("plan_field_account_types"), hint: t("plan_field_account_types_hint")),
                                            .input("min_hold_seconds", t("plan_field_min_hold"), value: "0"),
                                            .checkbox("skip_open_equals_close", t("plan_field_skip_open_close"), checked: false),
                                            .input("from", t("field_effective_from"), type: "date", hint: t("field_effective_from_hint")),
                                            .checkbox("preview", t("plan_preview_only"), checked: false),
                                        ])]))
        }
        if let preview { sections.insert(preview, at: 0) }
        return renderer.sections(renderer.text("nav_commission_plans", context), surface: .admin, context: context, error: error, status: error == nil ? .ok : .badRequest, sections)
    }

    /// A per-lot plan from the form's fields; then the same validation, preview and saving as an import.
    func formPlan(_ context: AppContext) async throws -> Response {
        let form = context.form
        func pairs(_ text: String?, field: String) throws(PlanValidationError) -> [String: String] {
            var result: [String: String] = [:]
            for item in (text ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else { throw PlanValidationError(path: field, message: "write NAME=RATE, separated by commas") }
                result[parts[0]] = parts[1]
            }
            return result
        }
        do {
            let plan = CommissionPlan(
                id: (form["id"] ?? "").trimmingCharacters(in: .whitespaces), name: form["name"] ?? "", currency: (form["currency"] ?? "USD").uppercased(),
                earnOn: CommissionPlan.EarnOn(rawValue: form["earn_on"] ?? "") ?? .close, distribution: form["distribution"] == "direct" ? .direct : .difference,
                filters: .init(minHoldSeconds: try Self.seconds(form["min_hold_seconds"]), skipOpenEqualsClose: form["skip_open_equals_close"] != nil),
                rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: (form["default"] ?? "").isEmpty ? nil : form["default"],
                                                                        groups: try pairs(form["groups"], field: "groups"),
                                                                        symbols: try pairs(form["symbols"], field: "symbols")),
                              accountTypes: (form["account_types"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })])
            let document = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
            try plan.validate()
            if form["preview"] != nil { return try await list(context, draft: document, preview: try await preview(plan, partner: nil, context)) }
            let saved = try await plans.save(plan, effectiveFrom: try effective(form["from"]), audit: context.audit)
            return renderer.redirect("/admin/commission-plans/\(saved.id)")
        } catch let error as PlanValidationError {
            return try await list(context, error: renderer.refusal(Self.formField(of: error), context))
        } catch let error as PartnerError {
            return try await list(context, error: renderer.refusal(error, context))
        }
    }

    /// The form's field a refusal of the plan it built is about: the form makes one
    /// per-lot rule, so `rules[0].rates.groups.metals` is the group rates field.
    static func formField(of error: PlanValidationError) -> PlanValidationError {
        let fields = [("filters.min_hold_seconds", "min_hold_seconds"), ("rules[0].rates.groups", "groups"), ("rules[0].rates.symbols", "symbols"),
                      ("rules[0].rates", "default"), ("rules[0].account_types", "account_types")]
        guard let field = fields.first(where: { error.path.hasPrefix($0.0) })?.1 else { return error }
        return PlanValidationError(path: field, message: error.message)
    }

    static func seconds(_ text: String?) throws(PlanValidationError) -> Int64 {
        let text = (text ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return 0 }
        guard let seconds = Int64(text) else { throw PlanValidationError(path: "min_hold_seconds", message: "a whole number of seconds") }
        return seconds
    }

    func effective(_ day: String?) throws(PlanValidationError) -> Int64 {
        guard let day, !day.isEmpty else { return services.clock.nowMicros() }
        guard let seconds = CivilDay.start(day) else { throw PlanValidationError(path: "from", message: "a day as YYYY-MM-DD") }
        return seconds * 1_000_000
    }

    func importPlan(_ context: AppContext) async throws -> Response {
        let document = context.form["document"] ?? ""
        do {
            let plan = try PlanValidationError.plan(fromJSON: Array(document.utf8))
            let from = try effective(context.form["from"])
            if context.form["preview"] != nil { return try await list(context, draft: document, preview: try await preview(plan, partner: context.form["partner"].flatMap { $0.isEmpty ? nil : PartnerID($0) }, context)) }
            let saved = try await plans.save(plan, effectiveFrom: from, audit: context.audit)
            return renderer.redirect("/admin/commission-plans/\(saved.id)")
        } catch let error as PlanValidationError {
            return try await list(context, error: renderer.refusal(path: error.path, reason: error.message, context), draft: document)
        } catch let error as PartnerError {
            return try await list(context, error: renderer.refusal(error, context), draft: document)
        }
    }

    /// The what-if of a proposed plan over the last 30 days, as a page section.
    func preview(_ plan: CommissionPlan, partner: PartnerID?, _ context: AppContext) async throws -> PageSection {
        let t = { (key: String) in self.renderer.text(key, context) }
        let now = services.clock.nowMicros()
        let report = try await services.commissions.simulation
            .run(proposed: plan, from: now - 30 * 86_400_000_000, to: now, partner: partner)
        let names = try await services.partnerNames()
        let rows = report.rows.map { row -> PageRow in
            PageRow(cells: [.text(names[row.partner] ?? row.partner.rawValue), CommissionCells.earned(row.paid, t, currency: report.currency),
                            CommissionCells.earned(row.current, t, currency: report.currency), CommissionCells.earned(row.proposed, t, currency: report.currency),
                            CommissionCells.earned(row.difference, t, currency: report.currency)])
        }
        return PageSection(id: "preview", heading: t("plan_preview_heading").replacingOccurrences(of: "{plan}", with: plan.name)
                            .replacingOccurrences(of: "{deals}", with: "\(report.deals)"),
                           intro: report.missingRates.isEmpty ? "" : "\(t("plan_preview_missing_rates")) \(report.missingRates.joined(separator: ", "))",
                           table: PageTable(name: "preview", columns: [PageColumn(t("col_partner")), PageColumn(t("plan_preview_paid")), PageColumn(t("plan_preview_current")),
                                                                        PageColumn(t("plan_preview_proposed")), PageColumn(t("plan_preview_difference"))], rows: rows,
                                            empty: t("plan_preview_none")))
    }

    func plan(_ id: String, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let format = renderer.format(context)
        let versions = try await plans.versions(of: id)
        guard let newest = versions.last else { throw UserFacingError(.notFound, "no commission plan \(id)") }
        var sections: [PageSection] = []
        for rule in newest.plan.rules {
            let tables: [(String, CommissionPlan.ByInstrument?)] = [(t("plan_value_rate"), rule.rates), (t("plan_value_spread"), rule.spreadPerLot),
                                                                   (t("plan_value_cap"), rule.capPerLot)]
            var rows: [PageRow] = []
            for (label, table) in tables {
                guard let table, table.defaultValue != nil || !table.groups.isEmpty || !table.symbols.isEmpty else { continue }
                if let value = table.defaultValue { rows.append(PageRow(cells: [.text(label), .text(t("plan_chosen_default")), .code(value)])) }
                for (group, value) in table.groups.sorted(by: { $0.key < $1.key }) {
                    rows.append(PageRow(cells: [.text(label), .text("\(t("plan_chosen_group")) \(InstrumentRoutes.groupName(group, t))"), .code(value)]))
                }
                for (symbol, value) in table.symbols.sorted(by: { $0.key < $1.key }) {
                    rows.append(PageRow(cells: [.text(label), .text(t("plan_chosen_symbol"), sub: symbol), .code(value)]))
                }
            }
            let share = [rule.share.map { "\(t("plan_share")) \($0)" }, rule.capShare.map { "\(t("plan_at_most")) \($0)" }].compactMap { $0 }.joined(separator: ", ")
            let types = rule.accountTypes.isEmpty ? t("plan_all_account_types") : "\(t("plan_account_types")) \(rule.accountTypes.joined(separator: ", "))"
            sections.append(PageSection(heading: "\(Self.ruleName(rule, t))\(rule.kind == .perLot ? " · \(t("plan_unit_\(rule.unit.rawValue)"))" : "")",
                                        intro: [share, types].filter { !$0.isEmpty }.joined(separator: "; "),
                                        table: PageTable(name: "rule-\(rule.id)", columns: [PageColumn(t("plan_col_value")), PageColumn(t("plan_col_chosen_by")),
                                                                                           PageColumn("\(t("col_amount")) (\(newest.plan.currency))")], rows: rows,
                                                         empty: "—")))
        }
        let filters = newest.plan.filters
        var filterText = t("plan_filters_text").replacingOccurrences(of: "{hold}", with: "\(filters.minHoldSeconds)")
            .replacingOccurrences(of: "{points}", with: "\(filters.minPoints)")
        if filters.skipOpenEqualsClose { filterText += "; " + t("plan_filter_skip_open_close") }
        if filters.bonusCoefficient { filterText += "; " + t("plan_filter_bonus") }
        if let cap = filters.capPerDeal { filterText += "; \(t("plan_filter_cap_per_deal")) \(cap)" }
        sections.insert(PageSection(heading: "\(t("plan_col_version")) \(newest.plan.version)", facts: [
            (t("plan_col_name"), newest.plan.name, "name"), (t("account_currency"), newest.plan.currency, "currency"),
            (t("plan_earn_on"), t("plan_earn_on_\(newest.plan.earnOn.rawValue)"), "earn_on"),
            (t("plan_col_distribution"), Self.distribution(newest.plan.distribution, t), "distribution"),
            (t("plan_filters"), filterText, "filters"),
            (t("instrument_col_from"), format.time(newest.effectiveFrom), "from"),
        ] + Self.periodTerms(newest.plan, t)), at: 0)
        sections.append(PageSection(heading: t("plan_versions"), table: PageTable(name: "versions", columns: [PageColumn(t("plan_col_version")),
                                                                                                            PageColumn(t("instrument_col_from")), PageColumn("JSON")],
            rows: versions.reversed().map { entry in
                PageRow(cells: ["v\(entry.plan.version)", .time(entry.effectiveFrom), .code((try? Self.json(entry.plan)) ?? "")],
                        link: (href: "/admin/commission-plans/\(id)/export?version=\(entry.plan.version)", label: t("plan_export")))
            })))
        if renderer.allows(context.principal, .post, "/admin/commission-plans") {
            var draft = newest.plan
            draft.version += 1
            sections.append(PageSection(id: "edit", heading: t("plan_edit_heading"),
                                        intro: t("plan_edit_intro").replacingOccurrences(of: "{version}", with: "\(draft.version)"),
                                        forms: [PageForm(name: "edit", action: "/admin/commission-plans", submit: t("plan_validate_save"), fields: [
                                            PageField(kind: .textarea, name: "document", label: t("plan_json"), value: (try? Self.json(draft, pretty: true)) ?? "", required: true),
                                            .input("from", t("field_effective_from"), type: "date", hint: t("field_effective_from_hint")),
                                            .checkbox("preview", t("plan_preview_only"), checked: false),
                                        ])]))
        }
        return renderer.sections(newest.plan.name, surface: .admin, context: context, sections)
    }

    /// A rule as people read it: its kind by name, and its id.
    static func ruleName(_ rule: CommissionPlan.Rule, _ t: (String) -> String) -> String {
        "\(t("plan_rule_\(rule.kind.rawValue)")) (\(rule.id))"
    }

    /// A plan version as the JSON file that imports it again (plans as code); the newest without `version`.
    func export(_ id: String, version: Int?) async throws -> Response {
        let versions = try await plans.versions(of: id)
        guard let chosen = version.map({ wanted in versions.first { $0.plan.version == wanted } }) ?? versions.last else {
            throw UserFacingError(.notFound, "no commission plan \(id)\(version.map { " version \($0)" } ?? "")")
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"\(id)-v\(chosen.plan.version).json\""],
                        body: .init(byteBuffer: ByteBuffer(string: try Self.json(chosen.plan, pretty: true) + "\n")))
    }

    /// What the plan settles per period or per client, as facts.
    static func periodTerms(_ plan: CommissionPlan, _ t: (String) -> String) -> [(label: String, value: String, name: String)] {
        var facts: [(label: String, value: String, name: String)] = []
        if let cap = plan.filters.capPerPeriod {
            facts.append((t("plan_cap_per_period"), "\(cap.amount) \(plan.currency) · \(t("schedule_\(cap.period.rawValue)"))", "cap_per_period"))
        }
        for rule in plan.rules {
            guard let tiers = rule.tiers else { continue }
            let steps = tiers.steps.map { "\(t("plan_from")) \($0.fromLots) \(t("lots")): \($0.rate)" }.joined(separator: ", ")
            facts.append(("\(t("plan_tiers_of")) \(rule.id)", "\(t("plan_tier_mode_\(tiers.mode.rawValue)")) · \(t("schedule_\(tiers.period.rawValue)")): \(steps)", "tiers_\(rule.id)"))
        }
        if let revenue = plan.revenueShare {
            var text = "\(revenue.share) · \(t("schedule_\(revenue.period.rawValue)"))"
            if let floor = revenue.carryFloor { text += "; \(t("plan_losses_carried")) -\(floor)" }
            if let reset = revenue.resetAfterPeriods { text += "; \(t("plan_reset_after")) \(reset)" }
            facts.append((t("rule_revenue_share"), text, "revenue_share"))
        }
        if let cpa = plan.cpa {
            let conditions = ["\(t("plan_cpa_first_deposit")) ≥ \(cpa.minFirstDeposit)", cpa.minLots.map { "\($0) \(t("lots"))" },
                              cpa.minSpread.map { "\(t("cpa_col_spread")) ≥ \($0)" }, cpa.requireKYC ? t("plan_cpa_kyc") : nil].compactMap { $0 }.joined(separator: ", ")
            let bands = cpa.bands.map { "\($0.amount) \(t("plan_from")) \($0.minDeposit)\($0.countries.isEmpty ? "" : " (\($0.countries.joined(separator: ", ")))")" }
                .joined(separator: "; ")
            facts.append(("CPA", t("plan_cpa_text").replacingOccurrences(of: "{conditions}", with: conditions)
                            .replacingOccurrences(of: "{days}", with: "\(cpa.withinDays)").replacingOccurrences(of: "{bands}", with: bands), "cpa"))
        }
        return facts
    }

    static func distribution(_ distribution: CommissionPlan.Distribution, _ t: (String) -> String) -> String {
        switch distribution {
        case .difference: t("plan_distribution_difference")
        case let .perLevel(shares, cap): "\(t("plan_distribution_per_level")) \(shares.joined(separator: " / "))\(cap.map { ", \(t("plan_at_most")) \($0)" } ?? "")"
        case let .cappedRatios(ratios): "\(t("plan_distribution_pool")) \(ratios.map(String.init).joined(separator: ":"))"
        case .direct: t("plan_distribution_direct")
        }
    }

    static func json(_ plan: CommissionPlan, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }
}
