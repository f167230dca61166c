import BrokerCore
import CommissionsCore
import CSV
import Foundation
import Hummingbird
import Identity
import Money
import Partners
import Commissions
import Platform
import WebKit

/// Partner payouts in the back office (settings per partner, the payout list,
/// approval by finance, statements) and in the partner portal (the partner's own
/// payouts and statements).
package struct PayoutRoutes {
    let services: CommissionsWebServices
    let renderer: PageRenderer
    var payouts: PayoutStore { services.payouts }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/payouts") { request, context in try await self.list(request, context) }
        routes.post("/admin/payouts/run") { _, context in
            let result = try await self.payouts.run(at: self.services.clock.nowMicros(), audit: context.audit)
            let skipped = result.skipped.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            let t = { (key: String) in self.renderer.text(key, context) }
            return try await self.list(nil, context, flash: "\(t("payout_run_created")) \(result.created.count) · \(t("payout_run_paid")) \(result.paid.count)"
                + (skipped.isEmpty ? "" : " · \(t("payout_run_waiting")) " + skipped.joined(separator: "; ")))
        }
        routes.post("/admin/payouts/:id/approve") { _, context in
            let id = try context.parameters.require("id")
            do {
                try await self.payouts.approve(id, audit: context.audit)
                return try await self.list(nil, context, flash: self.renderer.text("payout_approved_flash", context))
            } catch let error as PayoutError {
                return try await self.list(nil, context, error: self.renderer.refusal(error, context))
            }
        }
        routes.post("/admin/payouts/:id/reject") { _, context in
            let id = try context.parameters.require("id")
            do {
                try await self.payouts.reject(id, note: context.form["note"] ?? "", audit: context.audit)
                return try await self.list(nil, context, flash: self.renderer.text("payout_rejected_flash", context))
            } catch let error as PayoutError {
                return try await self.list(nil, context, error: self.renderer.refusal(error, context))
            }
        }
        routes.get("/admin/payouts/:id") { _, context in try await self.statementPage(try context.parameters.require("id"), context, partner: nil) }
        routes.get("/admin/payouts/:id/statement.csv") { _, context in try await self.statementCSV(try context.parameters.require("id"), partner: nil) }
        routes.post("/admin/partners/:id/payout-settings") { _, context in try await self.saveSettings(PartnerID(try context.parameters.require("id")), context) }

        routes.get("/partners/payouts") { _, context in try await self.own(context) }
        routes.post("/partners/payouts/destination") { _, context in try await self.chooseDestination(context) }
        routes.get("/partners/payouts/:id") { _, context in
            try await self.statementPage(try context.parameters.require("id"), context, partner: try await self.partner(context).id)
        }
        routes.get("/partners/payouts/:id/statement.csv") { _, context in
            try await self.statementCSV(try context.parameters.require("id"), partner: try await self.partner(context).id)
        }
    }

    // MARK: Back office

    func list(_ request: Request?, _ context: AppContext, flash: String? = nil, error: String? = nil) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let status = try request.flatMap { try QueryParameters.choice($0, "status", as: Payout.Status.self) }
        let all = try await payouts.payouts(status: status)
        let names = try await services.partnerNames()
        // Who decided, by name (the audit actor is `kind:user id`).
        let deciders = try await services.web.actorNames(all.map(\.decidedBy))
        let mayDecide = renderer.allows(context.principal, .post, "/admin/payouts/:id/approve")
        let format = renderer.format(context)
        var sections: [PageSection] = []
        if renderer.allows(context.principal, .post, "/admin/payouts/run") {
            sections.append(PageSection(intro: t("payouts_intro"), forms: [PageForm(name: "run", action: "/admin/payouts/run", submit: t("payouts_run_now"), fields: [])]))
        }
        var table = PageSection(heading: status.map { t("payout_\($0.rawValue)") } ?? t("nav_payouts"),
                                table: PageTable(name: "payouts", columns: [PageColumn(t("col_partner")), PageColumn(t("col_period")), PageColumn(t("payout_col_from_balance")),
                                                                            PageColumn(t("payout_col_paid")), PageColumn(t("payout_col_into")), PageColumn(t("col_status")),
                                                                            PageColumn(t("payout_col_decided_by"))],
                                                 rows: all.map { payout in
                                                     PageRow(cells: [.link(names[payout.partnerID] ?? payout.partnerID.rawValue, href: "/admin/partners/\(payout.partnerID)"),
                                                                     Self.period(payout, t), Self.money(payout.amountMinor, payout.currency), Self.money(payout.payoutMinor, payout.payoutCurrency),
                                                                     .text(Self.method(payout, t)), .badge(Self.badge(payout.status, t)),
                                                                     payout.decidedBy.isEmpty ? .empty : .text(deciders[payout.decidedBy] ?? payout.decidedBy, sub: payout.note)],
                                                             link: (href: "/admin/payouts/\(payout.id)", label: t("statement")))
                                                 }, empty: t("no_payouts")),
                                filters: PageFilters(fields: [
                                    .select("status", t("col_status"), options: [("", t("any"))] + Payout.Status.allCases.map { ($0.rawValue, t("payout_\($0.rawValue)")) },
                                            selected: status?.rawValue ?? ""),
                                ], submit: t("filter"), reset: (href: "/admin/payouts", label: t("reset_filters"))))
        table.id = "payouts"
        sections.append(table)
        if mayDecide {
            let waiting = all.filter { $0.status == .awaitingApproval }.prefix(50)
            let forms = waiting.flatMap { payout -> [PageForm] in
                let who = names[payout.partnerID] ?? payout.partnerID.rawValue
                let amount = Currency(code: payout.payoutCurrency).map { format.money(Money(minorUnits: payout.payoutMinor, currency: $0)) } ?? "\(payout.payoutMinor)"
                return [
                    PageForm(name: "approve-\(payout.id)", action: "/admin/payouts/\(payout.id)/approve", submit: "\(t("payout_approve")) \(who) · \(amount)", fields: []),
                    PageForm(name: "reject-\(payout.id)", action: "/admin/payouts/\(payout.id)/reject", submit: "\(t("payout_reject")) \(who)", fields: [
                        .input("note", "\(t("payout_reject_why")) \(who) · \(amount)", required: true),
                    ]),
                ]
            }
            if !forms.isEmpty { sections.append(PageSection(id: "decide", heading: t("payout_awaiting_approval"), forms: forms)) }
        }
        return renderer.sections(t("nav_payouts"), surface: .admin, context: context, error: error, flash: flash, status: error == nil ? .ok : .badRequest, sections)
    }

    /// Saves a partner's payout settings; a refusal goes back to the partner's page
    /// with the reason next to the field, never to a page without a way back.
    func saveSettings(_ partnerID: PartnerID, _ context: AppContext) async throws -> Response {
        let form = context.form
        let back = "/admin/partners/\(partnerID)"
        guard let minimum = try? Money(parsing: (form["minimum"] ?? "0").trimmingCharacters(in: .whitespaces), currency: .usd),
              minimum.minorUnits <= Self.largestMinimum else {
            return renderer.redirect("\(back)?payout_error=minimum#payouts")
        }
        let settings = PayoutSettings(partnerID: partnerID, schedule: PayoutSchedule(rawValue: form["schedule"] ?? "") ?? .monthly,
                                      minimumMinor: minimum.minorUnits, currency: (form["currency"] ?? "USD").uppercased(),
                                      method: PayoutSettings.Method(rawValue: form["method"] ?? "") ?? .wallet, target: form["target"] ?? "",
                                      needsApproval: form["needs_approval"] != nil)
        do {
            try await payouts.save(settings, audit: context.audit)
            return renderer.redirect("\(back)?saved=1#payouts")
        } catch let error as PayoutError {
            guard case let .invalid(field, _) = error else { return renderer.redirect("\(back)?payout_error=other#payouts") }
            return renderer.redirect("\(back)?payout_error=\(QueryText.escaped(field))#payouts")
        } catch let error as PartnerError {
            throw UserFacingError(.notFound, error.description)
        }
    }

    /// A minimum above this (ten million USD) is a typing mistake, not a policy.
    static let largestMinimum: Int64 = 1_000_000_000

    /// The payout section of a partner's profile: settings (a form for those who may change them) and payouts.
    /// `error` names the field a refused save was about (`?payout_error=` on the profile).
    package static func profileSection(_ partnerID: PartnerID, payouts: PayoutStore, renderer: PageRenderer, context: AppContext,
                                       error: String? = nil) async throws -> PageSection {
        let t = { (key: String) in renderer.text(key, context) }
        let format = renderer.format(context)
        let settings = try await payouts.settings(of: partnerID)
        let list = try await payouts.payouts(partnerID: partnerID, limit: 24)
        var section = PageSection(id: "payouts", heading: t("nav_payouts"), facts: settings.map { settings in [
            (t("payout_schedule"), t("schedule_\(settings.schedule.rawValue)"), "schedule"),
            (t("payout_minimum"), format.money(Money(minorUnits: settings.minimumMinor, currency: .usd)), "minimum"),
            (t("payout_paid_in"), settings.currency, "currency"), (t("payout_col_into"), Self.method(settings.method, settings.target, t), "method"),
            (t("payout_needs_approval"), settings.needsApproval ? t("yes") : t("no"), "approval"),
        ] } ?? [(t("payout_settings"), t("payout_no_settings"), "schedule")],
        table: PageTable(name: "partner-payouts", columns: [PageColumn(t("col_period")), PageColumn(t("payout_col_paid")), PageColumn(t("col_status"))],
                         rows: list.map { payout in
                             PageRow(cells: [Self.period(payout, t), Self.money(payout.payoutMinor, payout.payoutCurrency), .badge(Self.badge(payout.status, t))],
                                     link: (href: "/admin/payouts/\(payout.id)", label: t("statement")))
                         }, empty: t("no_payouts")))
        if renderer.allows(context.principal, .post, "/admin/partners/:id/payout-settings") {
            let current = settings ?? PayoutSettings(partnerID: partnerID)
            var fields: [PageField] = [
                .select("schedule", t("payout_schedule"), options: PayoutSchedule.allCases.map { ($0.rawValue, t("schedule_\($0.rawValue)")) }, selected: current.schedule.rawValue),
                .input("minimum", t("payout_field_minimum"), value: FixedPoint.format(current.minimumMinor, scale: 2, minimumDecimals: 2), hint: t("payout_field_minimum_hint")),
                .input("currency", t("payout_paid_in"), value: current.currency, required: true, hint: t("payout_field_currency_hint")),
                .select("method", t("payout_col_into"), options: [("wallet", t("payout_method_wallet")), ("trading_account", t("payout_method_account"))],
                        selected: current.method.rawValue),
                .input("target", t("payout_field_target"), value: current.target, hint: t("payout_field_target_hint")),
                .checkbox("needs_approval", t("payout_needs_approval"), checked: current.needsApproval),
            ]
            if let error {
                let index = fields.firstIndex { $0.name == error } ?? 0
                fields[index].error = t("payout_invalid_\(fields.indices.contains(index) && fields[index].name == error ? error : "other")")
            }
            section.forms = [PageForm(name: "payout-settings", action: "/admin/partners/\(partnerID)/payout-settings", submit: t("payout_save_settings"), fields: fields)]
        }
        return section
    }

    static func money(_ minor: Int64, _ code: String) -> PageCell {
        Currency(code: code).map { .money(Money(minorUnits: minor, currency: $0)) } ?? .code("\(minor) \(code)")
    }

    static func badge(_ status: Payout.Status, _ t: (String) -> String) -> Badge {
        switch status {
        case .awaitingApproval: Badge(t("payout_awaiting_approval"), tone: .warn)
        case .approved: Badge(t("payout_approved"), tone: .info)
        case .paid: Badge(t("payout_paid"), tone: .ok)
        case .rejected: Badge(t("payout_rejected"), tone: .bad)
        }
    }

    /// A period as people read it: the schedule's period, or "real time" with its day.
    static func period(_ payout: Payout, _ t: (String) -> String) -> PageCell {
        payout.periodKey.hasPrefix("rt-") ? .text(t("payout_realtime"), sub: payout.periodKey) : .code(payout.periodKey)
    }

    // MARK: Partner portal

    func partner(_ context: AppContext) async throws -> Partner {
        try await PortalPartner.of(context, partners: services.partners)
    }

    func own(_ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        let t = { (key: String) in services.localization.text(key, context.language) }
        let partner = try await partner(context)
        let list = try await payouts.payouts(partnerID: partner.id, limit: 60)
        var sections = [
            PageSection(table: PageTable(name: "payouts", columns: [PageColumn(t("col_period")), PageColumn(t("col_amount")), PageColumn(t("col_status")),
                                                                    PageColumn(t("col_paid_at"))],
                                         rows: list.map { payout in
                                             PageRow(cells: [Self.period(payout, t), Self.money(payout.payoutMinor, payout.payoutCurrency), .badge(Self.badge(payout.status, t)),
                                                             payout.paidAt == 0 ? .empty : .time(payout.paidAt)],
                                                     link: (href: "/partners/payouts/\(payout.id)", label: t("statement")))
                                         }, empty: t("no_payouts"))),
        ]
        // Where the partner is paid: its wallet or one of its own trading accounts.
        if let settings = try await payouts.settings(of: partner.id) {
            let accounts = try await payouts.payableAccounts(of: partner.id)
            let current = settings.method == .wallet ? "wallet" : settings.target
            sections.append(PageSection(id: "destination", heading: t("payout_destination"), facts: [
                (t("payout_schedule"), t("schedule_\(settings.schedule.rawValue)"), "schedule"),
                (t("payout_minimum"), renderer.format(context).money(Money(minorUnits: settings.minimumMinor, currency: .usd)), "minimum"),
                (t("payout_paid_in"), settings.currency, "currency"),
            ], forms: [PageForm(name: "destination", action: "/partners/payouts/destination", submit: t("save"), fields: [
                .select("destination", t("payout_destination"), options: [("wallet", t("payout_to_wallet"))] + accounts.map { ($0, t("payout_to_account") + " " + $0) },
                        selected: current),
            ])]))
        }
        return renderer.sections(t("nav_payouts"), surface: .partners, context: context, intro: t("partner_payouts_intro"), error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func chooseDestination(_ context: AppContext) async throws -> Response {
        let partner = try await partner(context)
        let choice = context.form["destination"] ?? ""
        do {
            try await payouts.setDestination(partnerID: partner.id, method: choice == "wallet" ? .wallet : .tradingAccount, target: choice,
                                             audit: context.audit)
            return renderer.redirect("/partners/payouts")
        } catch is PayoutError {
            return try await own(context, error: renderer.text("destination_invalid", context))
        }
    }

    // MARK: Statements

    func statement(_ id: String, partner: PartnerID?) async throws -> PayoutStatement {
        // A partner asking for another partner's payout is told it does not exist.
        guard let statement = try await payouts.statement(id), partner == nil || statement.payout.partnerID == partner else {
            throw UserFacingError(.notFound, "no payout \(id)")
        }
        return statement
    }

    func statementPage(_ id: String, _ context: AppContext, partner: PartnerID?) async throws -> Response {
        let statement = try await statement(id, partner: partner)
        let payout = statement.payout
        let csv = partner == nil ? "/admin/payouts/\(id)/statement.csv" : "/partners/payouts/\(id)/statement.csv"
        let t = { (key: String) in self.renderer.text(key, context) }
        let format = renderer.format(context)
        let names = try await services.partnerNames()
        let currency = Currency(code: payout.currency) ?? .usd
        var facts = PageSection(heading: t("payout_summary"), facts: [
            (t("col_partner"), names[payout.partnerID] ?? payout.partnerID.rawValue, "partner"),
            (t("col_period"), "\(format.time(statement.from)) – \(format.time(statement.to))", "period"),
            (t("payout_commissions_in_period"), format.money(Accrual(units: statement.accrued, currency: currency).rounded().money), "accrued"),
            (t("payout_taken_from_balance"), format.money(Money(minorUnits: payout.amountMinor, currency: currency)), "amount"),
            (t("payout_col_paid"), (Currency(code: payout.payoutCurrency).map { format.money(Money(minorUnits: payout.payoutMinor, currency: $0)) } ?? "")
                + (payout.rateID.isEmpty ? "" : " (\(t("payout_rate")) \(payout.rateID))"), "paid"),
            (t("payout_col_into"), Self.method(payout, t), "method"), (t("col_status"), Self.badge(payout.status, t).label, "status"),
            (t("col_paid_at"), payout.paidAt == 0 ? t("not_yet") : format.time(payout.paidAt), "paid_at"),
        ])
        facts.more = (href: csv, label: t("download_csv"))
        let days = PageSection(heading: t("payout_by_day"), intro: t("payout_by_day_intro"),
                               table: PageTable(name: "days", columns: [PageColumn(t("payout_col_day")), PageColumn(t("col_level")), PageColumn(t("col_rule")),
                                                                         PageColumn(t("col_deals")), PageColumn(t("col_amount"))],
                                                rows: statement.days.map { day in
                                                    PageRow(cells: [.day(day.day), .number(Int64(day.level)), CommissionCells.rule(day.rule, t), .number(Int64(day.deals)),
                                                                    CommissionCells.earned(day.amount, t, currency: currency)])
                                                }, empty: t("payout_no_commission")))
        return renderer.sections("\(t("payout_statement")) · \(names[payout.partnerID] ?? payout.partnerID.rawValue)", surface: partner == nil ? .admin : .partners,
                                 context: context, [facts, days])
    }

    func statementCSV(_ id: String, partner: PartnerID?) async throws -> Response {
        let statement = try await statement(id, partner: partner)
        let payout = statement.payout
        let stream = OutputStream(toMemory: ())
        let csv = try CSVWriter(stream: stream)
        try csv.write(row: ["payout", "partner", "period", "day", "level", "rule", "deals", "amount", "currency"])
        for day in statement.days {
            try csv.write(row: [payout.id, payout.partnerID.rawValue, payout.periodKey, CivilDay.text(of: day.day / 1_000_000), "\(day.level)", day.rule,
                                "\(day.deals)", Explain.money(day.amount), payout.currency])
        }
        try csv.write(row: [payout.id, payout.partnerID.rawValue, payout.periodKey, "", "", "taken from the balance", "", Self.minor(payout.amountMinor, payout.currency, code: false),
                            payout.currency])
        try csv.write(row: [payout.id, payout.partnerID.rawValue, payout.periodKey, "", "", "paid", "", Self.minor(payout.payoutMinor, payout.payoutCurrency, code: false),
                            payout.payoutCurrency])
        csv.stream.close()
        let data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"statement-\(payout.id).csv\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func minor(_ amount: Int64, _ currency: String, code: Bool = true) -> String {
        let exponent = Currency(code: currency)?.exponent ?? 2
        return FixedPoint.format(amount, scale: exponent, minimumDecimals: exponent) + (code ? " \(currency)" : "")
    }

    static func method(_ payout: Payout, _ t: (String) -> String) -> String { method(payout.method, payout.target, t) }

    static func method(_ method: PayoutSettings.Method, _ target: String, _ t: (String) -> String) -> String {
        method == .wallet ? t("payout_method_wallet") : "\(t("payout_method_account")) \(target)"
    }
}
