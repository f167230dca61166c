import BrokerCore
import Foundation
import Hummingbird
import Money
import Payments
import Platform
import WebKit

/// The trader's deposits: the form that sends the client to the provider's page, the
/// page the provider sends them back to, and the list of their deposits. The page
/// they come back to never credits anything: only the provider's signed event does.
struct DepositRoutes {
    let web: WebServices
    let payments: PaymentsServices
    let renderer: PageRenderer

    static let currencies: [Currency] = [.usd, .eur, .gbp]

    func register(_ routes: SecuredRoutes) {
        routes.get("/portal/deposit") { _, context in try await self.page(context) }
        routes.post("/portal/deposit") { _, context in try await self.start(context) }
        routes.get("/portal/deposits/:id") { request, context in
            try await self.deposit(try context.parameters.require("id"), returned: QueryParameters.text(request, "returned") == "1", context)
        }
        routes.get("/admin/payments/webhooks") { _, context in try await self.review(context) }
    }

    func page(_ context: AppContext, error: String? = nil) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        let t = { (key: String) in self.renderer.text(key, context) }
        let providers = try await payments.providers.enabled()
        let form = PageForm(name: "deposit", action: "/portal/deposit", submit: t("deposit_continue"), fields: [
            .input("amount", t("field_amount"), required: true, hint: t("deposit_amount_hint")),
            .select("currency", t("field_currency"), options: Self.currencies.map { ($0.code, $0.code) }, selected: "USD"),
            .select("provider", t("deposit_method"), options: providers.map { ($0.id.rawValue, t("deposit_method_\($0.kind.rawValue)")) },
                    selected: providers.first?.id.rawValue ?? ""),
            PageField(kind: .hidden, name: "idempotency_key", label: "", value: "dk_\(Tokens.random(bytes: 12))"),
        ])
        let rows = try await payments.deposits.deposits(of: user.id).map { deposit in
            PageRow(cells: [.time(deposit.createdAt), .money(deposit.amount), .badge(DepositBadge.badge(deposit.state, t))],
                    link: (href: "/portal/deposits/\(deposit.id)", label: t("open_details")))
        }
        let table = PageTable(name: "deposits", columns: [PageColumn(t("col_time")), PageColumn(t("col_amount")), PageColumn(t("col_status"))],
                              rows: rows, empty: t("deposits_none"))
        var sections = [PageSection(id: "new", heading: t("deposit_new"), forms: providers.isEmpty ? [] : [form])]
        if providers.isEmpty { sections[0].intro = t("deposit_no_method") }
        sections.append(PageSection(id: "history", heading: t("deposits_heading"), table: table))
        return renderer.sections(t("nav_deposit"), surface: .portal, context: context, error: error, status: error == nil ? .ok : .badRequest, sections)
    }

    /// Records the deposit and sends the client to the provider's page.
    func start(_ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        let form = context.form
        guard let currency = Currency(code: form["currency"] ?? ""), Self.currencies.contains(currency) else {
            return try await page(context, error: renderer.refusal("currency: unknown currency", context))
        }
        let amount: Money
        do { amount = try Money(parsing: (form["amount"] ?? "").trimmingCharacters(in: .whitespaces), currency: currency) } catch {
            return try await page(context, error: renderer.refusal("amount: \((form["amount"] ?? "").prefix(40)) is not an amount in \(currency.code)", context))
        }
        let key = form["idempotency_key"] ?? ""
        guard key.count >= 8, key.count <= 100 else { return try await page(context, error: renderer.refusal("idempotency_key: is required", context)) }
        do {
            let deposit = try await payments.startDeposit(userID: user.id, provider: PaymentProviderID(form["provider"] ?? ""), amount: amount,
                                                          idempotencyKey: "\(user.id):\(key)",
                                                          returnURL: { "\(web.settings.publicURL)/portal/deposits/\($0)?returned=1" }, audit: context.audit)
            // The deposit's own page links on to the provider's: a form may only send the
            // browser to this site (Content-Security-Policy form-action), a link anywhere.
            return renderer.redirect("/portal/deposits/\(deposit.id)")
        } catch let error as PaymentsServices.StartRefusal {
            return try await page(context, error: renderer.refusal(error, context))
        } catch let error as DepositStore.Refusal {
            return try await page(context, error: renderer.refusal(error, context))
        } catch let error as DepositPolicy.Refusal {
            return try await page(context, error: renderer.refusal(error, context))
        }
    }

    /// Where the provider sends the client back: what Pipstack knows so far.
    /// `returned`: the provider sent the client back, so the next word is the provider's, not theirs.
    func deposit(_ id: String, returned: Bool, _ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        guard let deposit = try await payments.deposits.deposit(DepositID(id)), deposit.userID == user.id else {
            throw UserFacingError(.notFound, renderer.text("deposit_not_found", context))
        }
        let t = { (key: String) in self.renderer.text(key, context) }
        let format = renderer.format(context)
        let note: String = switch deposit.state {
        case .approved: deposit.credited ? t("deposit_note_credited") : t("deposit_note_crediting")
        case .declined, .cancelled, .expired: t("deposit_note_failed")
        case .refunded, .chargedBack: t("deposit_note_reversed")
        case .redirected: returned ? t("deposit_note_waiting") : t("deposit_note_continue")
        case .initiated, .pending, .threeDS: t("deposit_note_waiting")
        }
        let waiting = deposit.state == .redirected && returned
        let onward: (href: String, label: String) = waiting ? ("/portal/deposits/\(deposit.id)?returned=1", t("deposit_check_again"))
            : deposit.state == .redirected && !deposit.redirectURL.isEmpty ? (deposit.redirectURL, t("deposit_resume")) : ("/portal/deposit", t("deposit_back"))
        return renderer.sections("\(t("deposit_title")) \(format.money(deposit.amount))", surface: .portal, context: context, [
            PageSection(id: "deposit", intro: note, facts: [
                (t("col_status"), DepositBadge.badge(deposit.state, t).label, "state"), (t("col_amount"), format.money(deposit.amount), "amount"),
                (t("col_time"), format.time(deposit.createdAt), "created"), (t("deposit_reference"), deposit.id.rawValue, "reference"),
            ], more: onward),
        ])
    }

    /// Deliveries kept for review: refused ones, and those about unknown payments or different amounts.
    func review(_ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let rows = try await payments.deposits.deliveriesForReview().map { delivery in
            PageRow(cells: [.time(delivery.receivedAt), .code(delivery.provider), .badge(Badge(t("webhook_outcome_\(delivery.outcome)"), tone: .warn)),
                            .text(delivery.reason)])
        }
        return renderer.sections(t("nav_payment_webhooks"), surface: .admin, context: context, intro: t("webhooks_review_intro"), [
            PageSection(table: PageTable(name: "webhooks", columns: [PageColumn(t("col_time")), PageColumn(t("col_provider")),
                                                                     PageColumn(t("col_status")), PageColumn(t("col_reason"))],
                                         rows: rows, empty: t("webhooks_none"))),
        ])
    }
}

/// A deposit's status as a badge, coloured by meaning; the client's page shows it too.
package enum DepositBadge {
    package static func badge(_ state: DepositState, _ t: (String) -> String) -> Badge {
        let tone: Badge.Tone = switch state {
        case .approved: .ok
        case .declined, .cancelled, .expired: .bad
        case .refunded, .chargedBack: .warn
        case .initiated, .pending, .redirected, .threeDS: .info
        }
        return Badge(t("deposit_state_\(state.rawValue)"), tone: tone)
    }
}
