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
        let rows = try await plans.latest().map { entry -> (cells: [String], link: (href: String, label: String)?) in
            ([entry.plan.id, entry.plan.name, "v\(entry.plan.version)", entry.plan.currency, Self.distribution(entry.plan.distribution),
              entry.plan.rules.map { "\($0.id) (\($0.kind.rawValue))" }.joined(separator: ", "), Timestamps.iso(entry.effectiveFrom)],
             (href: "/admin/commission-plans/\(entry.plan.id)", label: "Open"))
        }
        var sections = [PageSection(table: PageTable(name: "plans", columns: ["Id", "Name", "Version", "Currency", "Distribution", "Rules", "In force from (UTC)"],
                                                     rows: rows, empty: "No plan yet."))]
        if renderer.allows(context.principal, .post, "/admin/commission-plans") {
            sections.append(PageSection(id: "import", heading: "Import a plan (JSON)",
                                        intro: "The format is in docs/commission-plans.md. Importing an existing id makes its next version, in force from the chosen day; earlier deals keep their version.",
                                        forms: [PageForm(name: "import", action: "/admin/commission-plans", submit: "Validate and save", fields: [
                                            PageField(kind: .textarea, name: "document", label: "Plan JSON", value: draft, required: true),
                                            .input("from", "In force from (day, UTC; empty: now)", type: "date"),
                                            .checkbox("preview", "Preview only: what the plan would have paid over the last 30 days, partner by partner; nothing is saved",
                                                      checked: false),
                                            .input("partner", "For the preview, also put this partner on the plan (optional)"),
                                        ])]))
        }
        if renderer.allows(context.principal, .post, "/admin/commission-plans/form") {
            sections.append(PageSection(id: "form", heading: "New plan or version, per lot (form)",
                                        intro: "A per-lot plan without writing JSON: rates by default, group and symbol (symbol over group over default). Saving an existing id makes its next version. For spread share, commission share, tiers, revenue share or CPA, edit a plan's JSON on its page or import one.",
                                        forms: [PageForm(name: "plan-form", action: "/admin/commission-plans/form", submit: "Validate and save", fields: [
                                            .input("id", "Plan id", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}"), .input("name", "Name", required: true),
                                            .input("currency", "Currency", value: "USD", required: true),
                                            .select("distribution", "Up the tree", options: [("difference", "difference (each level its rate less the level below)"),
                                                                                            ("direct", "direct (level 1 only)")], selected: "difference"),
                                            .select("earn_on", "Deals that earn", options: CommissionPlan.EarnOn.allCases.map { ($0.rawValue, $0.rawValue) }, selected: "close"),
                                            .input("default", "Rate per lot, default", required: true),
                                            .input("groups", "Rates per lot by group, e.g. metals=3.00, energies=0.50"),
                                            .input("symbols", "Rates per lot by symbol, e.g. EURUSD=7.00"),
                                            .input("account_types", "Account types (comma separated; empty: all)"),
                                            .input("min_hold_seconds", "Minimum hold (seconds)", value: "0"),
                                            .checkbox("skip_open_equals_close", "Skip trades closed at their open price", checked: false),
                                            .input("from", "In force from (day, UTC; empty: now)", type: "date"),
                                            .checkbox("preview", "Preview only (the last 30 days; nothing saved)", checked: false),
                                        ])]))
        }
        if let preview { sections.insert(preview, at: 0) }
        return renderer.sections("Commission plans", surface: .admin, context: context, error: error, status: error == nil ? .ok : .badRequest, sections)
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
                filters: .init(minHoldSeconds: Int64(form["min_hold_seconds"] ?? "0") ?? -1, skipOpenEqualsClose: form["skip_open_equals_close"] != nil),
                rules: [.init(id: "rebate", kind: .perLot, rates: .init(default: (form["default"] ?? "").isEmpty ? nil : form["default"],
                                                                        groups: try pairs(form["groups"], field: "groups"),
                                                                        symbols: try pairs(form["symbols"], field: "symbols")),
                              accountTypes: (form["account_types"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })])
            let document = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
            try plan.validate()
            if form["preview"] != nil { return try await list(context, draft: document, preview: try await preview(plan, partner: nil)) }
            let saved = try await plans.save(plan, effectiveFrom: try effective(form["from"]), audit: context.audit)
            return renderer.redirect("/admin/commission-plans/\(saved.id)")
        } catch let error as PlanValidationError {
            return try await list(context, error: error.description)
        } catch let error as PartnerError {
            return try await list(context, error: error.description)
        }
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
            if context.form["preview"] != nil { return try await list(context, draft: document, preview: try await preview(plan, partner: context.form["partner"].flatMap { $0.isEmpty ? nil : PartnerID($0) })) }
            let saved = try await plans.save(plan, effectiveFrom: from, audit: context.audit)
            return renderer.redirect("/admin/commission-plans/\(saved.id)")
        } catch let error as PlanValidationError {
            return try await list(context, error: error.description, draft: document)
        } catch let error as PartnerError {
            return try await list(context, error: error.description, draft: document)
        }
    }

    /// The what-if of a proposed plan over the last 30 days, as a page section.
    func preview(_ plan: CommissionPlan, partner: PartnerID?) async throws -> PageSection {
        let now = services.clock.nowMicros()
        let report = try await services.commissions.simulation
            .run(proposed: plan, from: now - 30 * 86_400_000_000, to: now, partner: partner)
        let rows = report.rows.map { row -> (cells: [String], link: (href: String, label: String)?) in
            ([row.partner.rawValue, Explain.money(row.paid), Explain.money(row.current), Explain.money(row.proposed), Explain.money(row.difference)], nil)
        }
        return PageSection(id: "preview", heading: "Preview of \(plan.id): the last 30 days, \(report.deals) deals (\(report.currency.code)), nothing saved",
                           intro: report.missingRates.isEmpty ? "" : "No recorded rate for \(report.missingRates.joined(separator: ", ")): point-based amounts count as zero.",
                           table: PageTable(name: "preview", columns: ["Partner", "Paid", "Plans in force", "Proposed", "Difference"], rows: rows,
                                            empty: "No deal in the last 30 days earns under either."))
    }

    func plan(_ id: String, _ context: AppContext) async throws -> Response {
        let versions = try await plans.versions(of: id)
        guard let newest = versions.last else { throw UserFacingError(.notFound, "no commission plan \(id)") }
        var sections: [PageSection] = []
        for rule in newest.plan.rules {
            let tables: [(String, CommissionPlan.ByInstrument?)] = [("rate", rule.rates), ("spread per lot", rule.spreadPerLot), ("cap per lot", rule.capPerLot)]
            var rows: [(cells: [String], link: (href: String, label: String)?)] = []
            for (label, table) in tables {
                guard let table, table.defaultValue != nil || !table.groups.isEmpty || !table.symbols.isEmpty else { continue }
                if let value = table.defaultValue { rows.append(([label, "default", value], nil)) }
                for (group, value) in table.groups.sorted(by: { $0.key < $1.key }) { rows.append(([label, "group \(group)", value], nil)) }
                for (symbol, value) in table.symbols.sorted(by: { $0.key < $1.key }) { rows.append(([label, "symbol \(symbol)", value], nil)) }
            }
            let share = [rule.share.map { "share \($0)" }, rule.capShare.map { "at most \($0)" }].compactMap { $0 }.joined(separator: ", ")
            sections.append(PageSection(heading: "Rule \(rule.id): \(rule.kind.rawValue)\(rule.kind == .perLot ? " (\(rule.unit.rawValue))" : "")",
                                        intro: [share, rule.accountTypes.isEmpty ? "all account types" : "account types \(rule.accountTypes.joined(separator: ", "))"]
                                            .filter { !$0.isEmpty }.joined(separator: "; "),
                                        table: PageTable(name: "rule-\(rule.id)", columns: ["Value", "Chosen by", "Amount (\(newest.plan.currency))"], rows: rows,
                                                         empty: "—")))
        }
        let filters = newest.plan.filters
        sections.insert(PageSection(heading: "Version \(newest.plan.version)", facts: [
            ("Name", newest.plan.name, "name"), ("Currency", newest.plan.currency, "currency"), ("Earns on", newest.plan.earnOn.rawValue, "earn_on"),
            ("Distribution", Self.distribution(newest.plan.distribution), "distribution"),
            ("Filters", "hold ≥ \(filters.minHoldSeconds) s, move ≥ \(filters.minPoints) points\(filters.skipOpenEqualsClose ? ", none at open = close" : "")\(filters.bonusCoefficient ? ", bonus coefficient" : "")\(filters.capPerDeal.map { ", at most \($0) per deal" } ?? "")", "filters"),
            ("In force from (UTC)", Timestamps.iso(newest.effectiveFrom), "from"),
        ] + Self.periodTerms(newest.plan)), at: 0)
        sections.append(PageSection(heading: "Versions", table: PageTable(name: "versions", columns: ["Version", "In force from", "JSON"],
            rows: versions.reversed().map { entry in
                PageRow(cells: ["v\(entry.plan.version)", .time(entry.effectiveFrom), .code((try? Self.json(entry.plan)) ?? "")],
                        link: (href: "/admin/commission-plans/\(id)/export?version=\(entry.plan.version)", label: "Export"))
            })))
        if renderer.allows(context.principal, .post, "/admin/commission-plans") {
            var draft = newest.plan
            draft.version += 1
            sections.append(PageSection(id: "edit", heading: "Edit: the next version",
                                        intro: "Every part of the plan (rules, tiers, distribution, filters, revenue share, CPA), as in docs/commission-plans.md. Saving makes version \(draft.version), in force from the chosen day; earlier deals keep theirs.",
                                        forms: [PageForm(name: "edit", action: "/admin/commission-plans", submit: "Validate and save", fields: [
                                            PageField(kind: .textarea, name: "document", label: "Plan JSON", value: (try? Self.json(draft, pretty: true)) ?? "", required: true),
                                            .input("from", "In force from (day, UTC; empty: now)", type: "date"),
                                            .checkbox("preview", "Preview only: the last 30 days, partner by partner; nothing is saved", checked: false),
                                        ])]))
        }
        return renderer.sections("Plan \(newest.plan.name)", surface: .admin, context: context, sections)
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
    static func periodTerms(_ plan: CommissionPlan) -> [(label: String, value: String, name: String)] {
        var facts: [(label: String, value: String, name: String)] = []
        if let cap = plan.filters.capPerPeriod { facts.append(("Cap per period", "\(cap.amount) \(plan.currency) \(cap.period.rawValue)", "cap_per_period")) }
        for rule in plan.rules {
            guard let tiers = rule.tiers else { continue }
            facts.append(("Tiers of \(rule.id)", "\(tiers.mode.rawValue), \(tiers.period.rawValue): " + tiers.steps.map { "from \($0.fromLots) lots \($0.rate)" }.joined(separator: ", "), "tiers_\(rule.id)"))
        }
        if let revenue = plan.revenueShare {
            facts.append(("Revenue share", "\(revenue.share) \(revenue.period.rawValue)\(revenue.carryFloor.map { ", losses carried down to -\($0)" } ?? "")\(revenue.resetAfterPeriods.map { ", reset after \($0) periods" } ?? "")", "revenue_share"))
        }
        if let cpa = plan.cpa {
            let conditions = ["first deposit ≥ \(cpa.minFirstDeposit)", cpa.minLots.map { "\($0) lots" }, cpa.minSpread.map { "spread ≥ \($0)" },
                              cpa.requireKYC ? "KYC approved" : nil].compactMap { $0 }.joined(separator: ", ")
            let bands = cpa.bands.map { "\($0.amount) from \($0.minDeposit)\($0.countries.isEmpty ? "" : " (\($0.countries.joined(separator: ", ")))")" }.joined(separator: "; ")
            facts.append(("CPA", "\(conditions) within \(cpa.withinDays) days; pays \(bands)", "cpa"))
        }
        return facts
    }

    static func distribution(_ distribution: CommissionPlan.Distribution) -> String {
        switch distribution {
        case .difference: "difference (each level its own rate less the level below)"
        case let .perLevel(shares, cap): "per level \(shares.joined(separator: " / "))\(cap.map { ", total at most \($0)" } ?? "")"
        case let .cappedRatios(ratios): "pool shared \(ratios.map(String.init).joined(separator: ":"))"
        case .direct: "direct (level 1 only)"
        }
    }

    static func json(_ plan: CommissionPlan, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }
}
