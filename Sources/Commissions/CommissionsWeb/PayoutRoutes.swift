import BrokerCore
import CommissionsCore
import CSV
import Foundation
import Hummingbird
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
            return try await self.list(nil, context, flash: "Run: \(result.created.count) created, \(result.paid.count) paid."
                + (skipped.isEmpty ? "" : " Not paid: " + skipped.joined(separator: "; ")))
        }
        routes.post("/admin/payouts/:id/approve") { _, context in
            let id = try context.parameters.require("id")
            do {
                try await self.payouts.approve(id, audit: context.audit)
                return try await self.list(nil, context, flash: "Payout \(id) approved and paid.")
            } catch let error as PayoutError {
                return try await self.list(nil, context, error: error.description)
            }
        }
        routes.post("/admin/payouts/:id/reject") { _, context in
            let id = try context.parameters.require("id")
            do {
                try await self.payouts.reject(id, note: context.form["note"] ?? "", audit: context.audit)
                return try await self.list(nil, context, flash: "Payout \(id) rejected; the balance waits for the next period.")
            } catch let error as PayoutError {
                return try await self.list(nil, context, error: error.description)
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
        let status = try request.flatMap { try QueryParameters.choice($0, "status", as: Payout.Status.self) }
        let all = try await payouts.payouts(status: status)
        let mayDecide = renderer.allows(context.principal, .post, "/admin/payouts/:id/approve")
        var sections: [PageSection] = []
        if renderer.allows(context.principal, .post, "/admin/payouts/run") {
            sections.append(PageSection(intro: "Payouts are created by each partner's schedule every few minutes; a run now does the same at once.",
                                        forms: [PageForm(name: "run", action: "/admin/payouts/run", submit: "Run payouts now", fields: [])]))
        }
        var table = PageSection(heading: status.map { "Payouts \($0.rawValue)" } ?? "Payouts",
                                table: PageTable(name: "payouts", columns: ["Payout", "Partner", "Period", "From balance", "Paid", "Method", "Status", "Decided by"],
                                                 rows: all.map { payout in
                                                     ([payout.id, payout.partnerID.rawValue, payout.periodKey, Self.minor(payout.amountMinor, payout.currency),
                                                       Self.minor(payout.payoutMinor, payout.payoutCurrency), Self.method(payout), payout.status.rawValue,
                                                       payout.decidedBy + (payout.note.isEmpty ? "" : ": \(payout.note)")],
                                                      (href: "/admin/payouts/\(payout.id)", label: "Statement"))
                                                 }, empty: "No payout yet."))
        table.more = status == .awaitingApproval ? (href: "/admin/payouts", label: "Show all") : (href: "/admin/payouts?status=awaiting_approval", label: "Show those awaiting approval")
        sections.append(table)
        if mayDecide {
            let waiting = all.filter { $0.status == .awaitingApproval }.prefix(50)
            let forms = waiting.flatMap { payout in [
                PageForm(name: "approve-\(payout.id)", action: "/admin/payouts/\(payout.id)/approve",
                         submit: "Approve and pay \(payout.id) (\(Self.minor(payout.payoutMinor, payout.payoutCurrency)))", fields: []),
                PageForm(name: "reject-\(payout.id)", action: "/admin/payouts/\(payout.id)/reject", submit: "Reject \(payout.id)", fields: [
                    .input("note", "Why \(payout.id) is rejected", required: true),
                ]),
            ] }
            if !forms.isEmpty { sections.append(PageSection(id: "decide", heading: "Awaiting approval", forms: forms)) }
        }
        return renderer.sections("Payouts", surface: .admin, context: context, error: error, flash: flash, status: error == nil ? .ok : .badRequest, sections)
    }

    func saveSettings(_ partnerID: PartnerID, _ context: AppContext) async throws -> Response {
        let form = context.form
        let settings = PayoutSettings(partnerID: partnerID, schedule: PayoutSchedule(rawValue: form["schedule"] ?? "") ?? .monthly,
                                      minimumMinor: Int64((try? Money(parsing: form["minimum"] ?? "0", currency: .usd))?.minorUnits ?? -1),
                                      currency: (form["currency"] ?? "USD").uppercased(),
                                      method: PayoutSettings.Method(rawValue: form["method"] ?? "") ?? .wallet, target: form["target"] ?? "",
                                      needsApproval: form["needs_approval"] != nil)
        do {
            try await payouts.save(settings, audit: context.audit)
            return renderer.redirect("/admin/partners/\(partnerID)#payouts")
        } catch let error as PayoutError {
            throw UserFacingError(.badRequest, error.description)
        } catch let error as PartnerError {
            throw UserFacingError(.notFound, error.description)
        }
    }

    /// The payout section of a partner's profile: settings (a form for those who may change them) and payouts.
    package static func profileSection(_ partnerID: PartnerID, payouts: PayoutStore, renderer: PageRenderer, context: AppContext) async throws -> PageSection {
        let settings = try await payouts.settings(of: partnerID)
        let list = try await payouts.payouts(partnerID: partnerID, limit: 24)
        var section = PageSection(id: "payouts", heading: "Payouts", facts: settings.map { settings in [
            ("Schedule", settings.schedule.rawValue, "schedule"), ("Minimum", minor(settings.minimumMinor, "USD"), "minimum"),
            ("Paid in", settings.currency, "currency"), ("Into", settings.method == .wallet ? "wallet" : "trading account \(settings.target)", "method"),
            ("Finance approves first", settings.needsApproval ? "yes" : "no", "approval"),
        ] } ?? [("Settings", "none: this partner is not paid yet", "schedule")],
        table: PageTable(name: "partner-payouts", columns: ["Payout", "Period", "Paid", "Status"], rows: list.map { payout in
            ([payout.id, payout.periodKey, minor(payout.payoutMinor, payout.payoutCurrency), payout.status.rawValue], (href: "/admin/payouts/\(payout.id)", label: "Statement"))
        }, empty: "No payout yet."))
        if renderer.allows(context.principal, .post, "/admin/partners/:id/payout-settings") {
            let current = settings ?? PayoutSettings(partnerID: partnerID)
            section.forms = [PageForm(name: "payout-settings", action: "/admin/partners/\(partnerID)/payout-settings", submit: "Save payout settings", fields: [
                .select("schedule", "Schedule", options: PayoutSchedule.allCases.map { ($0.rawValue, $0.rawValue) }, selected: current.schedule.rawValue),
                .input("minimum", "Minimum (USD; less waits for the next period)", value: FixedPoint.format(current.minimumMinor, scale: 2, minimumDecimals: 2)),
                .input("currency", "Paid in (ISO code; converted at the recorded rate)", value: current.currency, required: true),
                .select("method", "Into", options: [("wallet", "the partner's wallet"), ("trading_account", "a trading account of the partner's")],
                        selected: current.method.rawValue),
                .input("target", "Trading account (server:login), for that method", value: current.target),
                .checkbox("needs_approval", "Finance approves each payout first", checked: current.needsApproval),
            ])]
        }
        return section
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
            PageSection(table: PageTable(name: "payouts", columns: [t("col_period"), t("col_amount"), t("col_status"), t("col_paid_at")],
                                         rows: list.map { payout in
                                             ([payout.periodKey, Self.minor(payout.payoutMinor, payout.payoutCurrency), t("payout_\(payout.status.rawValue)"),
                                               payout.paidAt == 0 ? "" : Timestamps.iso(payout.paidAt)],
                                              (href: "/partners/payouts/\(payout.id)", label: t("statement")))
                                         }, empty: t("no_payouts"))),
        ]
        // Where the partner is paid: its wallet or one of its own trading accounts.
        if let settings = try await payouts.settings(of: partner.id) {
            let accounts = try await payouts.payableAccounts(of: partner.id)
            let current = settings.method == .wallet ? "wallet" : settings.target
            sections.append(PageSection(id: "destination", heading: t("payout_destination"), facts: [
                (t("payout_schedule"), settings.schedule.rawValue, "schedule"),
                (t("payout_minimum"), Self.minor(settings.minimumMinor, "USD"), "minimum"),
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
        } catch let error as PayoutError {
            return try await own(context, error: error.description)
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
        var facts = PageSection(heading: "Payout \(payout.id)", facts: [
            ("Partner", payout.partnerID.rawValue, "partner"), ("Period", "\(payout.periodKey): \(Timestamps.iso(statement.from)) to \(Timestamps.iso(statement.to))", "period"),
            ("Commissions in the period", Explain.money(statement.accrued) + " " + payout.currency, "accrued"),
            ("Taken from the balance", Self.minor(payout.amountMinor, payout.currency), "amount"),
            ("Paid", Self.minor(payout.payoutMinor, payout.payoutCurrency) + (payout.rateID.isEmpty ? "" : " (rate \(payout.rateID))"), "paid"),
            ("Into", Self.method(payout), "method"), ("Status", payout.status.rawValue, "status"),
            ("Paid at", payout.paidAt == 0 ? "not yet" : Timestamps.iso(payout.paidAt), "paid_at"),
        ])
        facts.more = (href: csv, label: "Download CSV")
        let days = PageSection(heading: "Commissions by day", intro: "The balance also carries amounts from before the period: rounding residues, corrections and unpaid earlier periods.",
                               table: PageTable(name: "days", columns: ["Day (UTC)", "Level", "Rule", "Deals", "Amount"],
                                                rows: statement.days.map { day in
                                                    ([CivilDay.text(of: day.day / 1_000_000), "\(day.level)", day.rule, "\(day.deals)", Explain.money(day.amount)], nil)
                                                }, empty: "No commission in the period."))
        return renderer.sections("Payout statement \(payout.id)", surface: partner == nil ? .admin : .partners, context: context, [facts, days])
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

    static func method(_ payout: Payout) -> String {
        payout.method == .wallet ? "wallet" : "trading account \(payout.target)"
    }
}
