import BrokerCore
import Foundation
import Hummingbird
import Identity
import LedgerCore
import Money
import Trading
import Ledger
import Platform
import WebKit

/// The trader's room: the client's trading accounts, opening live and demo
/// accounts (passwords shown once), moving money between wallet and account,
/// deals and positions, and a new trading password.
struct PortalAccountRoutes {
    let services: WebServices
    let renderer: PageRenderer
    let trading: TradingServices
    let ledger: LedgerStore
    /// New accounts' passwords between the redirect and the page that shows them.
    let credentials: OneTimeCredentials

    func register(_ routes: SecuredRoutes) {
        routes.get("/portal/accounts") { _, context in try await self.list(context) }
        routes.post("/portal/accounts") { _, context in try await self.open(context) }
        routes.get("/portal/new-account/:key") { _, context in try await self.opened(context.parameters.get("key") ?? "", context) }
        routes.get("/portal/accounts/:server/:login") { request, context in
            let record = try await self.own(context)
            let transfer = request.uri.queryParameters.get("transfer").map { String($0) }
            return try await self.detail(record, context, flash: transfer.map { _ in self.t(context)("transfer_queued") })
        }
        routes.post("/portal/accounts/:server/:login/transfer") { _, context in
            let record = try await self.own(context)
            return try await self.transfer(record, context)
        }
        routes.post("/portal/accounts/:server/:login/password") { _, context in
            let record = try await self.own(context)
            return try await self.resetPassword(record, context)
        }
    }

    func t(_ context: AppContext) -> (String) -> String { { services.localization.text($0, context.language) } }

    /// The account named in the path, if it is the signed-in trader's; anyone else's reads as not found.
    func own(_ context: AppContext) async throws -> TradingAccountRecord {
        guard let user = context.user else { throw UserFacingError(.unauthorized, "log in first") }
        let (server, login) = try TradingAccountAdminRoutes.account(context)
        guard let record = try await trading.accounts.account(serverID: server, login: login), record.userID == user.id.rawValue else {
            throw UserFacingError(.notFound, "no trading account \(server):\(login)")
        }
        return record
    }

    func list(_ context: AppContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        let t = t(context)
        let servers = Dictionary(try await trading.servers.all().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let types = Dictionary(try await trading.types.all().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = try await trading.accounts.accounts(ofUser: user.id.rawValue).map { record -> PageRow in
            let environment = servers[record.serverID]?.environment == .demo ? t("demo") : t("live")
            return PageRow(cells: [.code("\(record.login)"), .text(environment), .text(types[record.accountTypeID]?.name ?? record.accountTypeID), .text(record.currency),
                                   .text(TradingFormat.leverage(record.leverage)), .badge(TradingAccountAdminRoutes.statusBadge(record, t))],
                           link: record.status == .failed ? nil : (href: "/portal/accounts/\(record.serverID)/\(record.login)", label: t("open_details")))
        }
        var sections = [PageSection(table: PageTable(name: "accounts", columns: [PageColumn(t("account_login")), PageColumn(t("col_environment")),
                                                                                PageColumn(t("col_account_type")), PageColumn(t("account_currency")),
                                                                                PageColumn(t("account_leverage")), PageColumn(t("col_status"))],
                                                    rows: rows, empty: t("no_accounts")))]
        let offers = try await trading.provisioning.offers(for: user)
        let forms = offers.map { offer in
            PageForm(name: "open-\(offer.type.id)", action: "/portal/accounts",
                     submit: "\(t("open_account")): \(offer.type.name) (\(offer.environment == .demo ? t("demo") : t("live")), \(offer.type.currency.code))",
                     fields: [
                        PageField(kind: .hidden, name: "account_type", label: "", value: offer.type.id),
                        .select("leverage", t("account_leverage"), options: offer.leverages.map { (String($0), TradingFormat.leverage($0)) },
                                selected: String(LeveragePolicy.suggested(among: offer.leverages) ?? 1), hint: t("leverage_hint")),
                        PageField(kind: .hidden, name: "request_key", label: "", value: Tokens.random(bytes: 12)),
                     ])
        }
        sections.append(PageSection(id: "open", heading: t("open_account"), intro: offers.isEmpty ? t("no_offers") : t("open_account_intro"), forms: forms))
        return renderer.sections(t("nav_accounts"), surface: .portal, context: context, error: error, status: status, sections)
    }

    /// Opens the account, then redirects to the page that shows its passwords once,
    /// so a refresh opens nothing: the form's request key makes a second submission
    /// land on the account the first one opened.
    func open(_ context: AppContext) async throws -> Response {
        guard let user = context.user else { throw UserFacingError(.unauthorized, "log in first") }
        let t = t(context)
        let leverage = Int(context.form["leverage"] ?? "") ?? 0
        let key = context.form["request_key"] ?? ""
        guard AccountProvisioning.isRequestKey(key) else { return try await list(context, error: t("form_expired"), status: .badRequest) }
        if try await trading.provisioning.account(openedWith: key, by: user) != nil { return renderer.redirect("/portal/new-account/\(key)") }
        do {
            let opened = try await trading.provisioning.open(for: user, typeID: context.form["account_type"] ?? "", leverage: leverage, requestKey: key,
                                                             audit: context.audit)
            let server = try await trading.servers.server(opened.record.serverID)
            await credentials.put(key: key, userID: user.id.rawValue, OneTimeCredentials.Shown(
                serverID: opened.record.serverID, login: opened.record.login, serverName: server?.name ?? opened.record.serverID.rawValue,
                mainPassword: opened.mainPassword, investorPassword: opened.investorPassword))
            return renderer.redirect("/portal/new-account/\(key)")
        } catch let error as ProvisioningError {
            return try await list(context, error: Self.wording(error, t), status: .badRequest)
        }
    }

    /// The new account's passwords, shown once: a second look says where to get a new one.
    func opened(_ key: String, _ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        let t = t(context)
        guard let record = try await trading.provisioning.account(openedWith: key, by: user) else {
            throw UserFacingError(.notFound, t("not_found"))
        }
        let base = "/portal/accounts/\(record.serverID)/\(record.login)"
        guard let shown = await credentials.take(key: key, userID: user.id.rawValue) else {
            return renderer.sections(t("account_opened"), surface: .portal, context: context, [
                PageSection(id: "credentials", intro: t("passwords_already_shown"), more: (href: base, label: t("open_details"))),
            ])
        }
        let section = PageSection(id: "credentials", secrets: (note: t("passwords_once"), items: [
            (t("account_login"), "\(shown.login)", "login"),
            (t("account_server"), shown.serverName, "server"),
            (t("main_password"), shown.mainPassword, "main_password"),
            (t("investor_password"), shown.investorPassword, "investor_password"),
        ]), more: (href: base, label: t("open_details")))
        return Self.noStore(renderer.sections(t("account_opened"), surface: .portal, context: context, [section]))
    }

    func detail(_ record: TradingAccountRecord, _ context: AppContext, error: String? = nil, flash: String? = nil,
                newPassword: String? = nil) async throws -> Response {
        let t = t(context)
        let view = try await TradingAccountView.load(record, trading: trading)
        let base = "/portal/accounts/\(record.serverID)/\(record.login)"
        var sections: [PageSection] = []
        if let newPassword {
            sections.append(PageSection(id: "credentials", secrets: (note: t("passwords_once"), items: [
                (t("account_login"), "\(record.login)", "login"), (t("main_password"), newPassword, "main_password"),
            ])))
        }
        sections.append(PageSection(heading: t("account_summary"), facts: view.facts(t, renderer.format(context))))
        let isDemo = try await trading.servers.server(record.serverID)?.environment == .demo
        if isDemo { sections.append(PageSection(id: "transfer", heading: t("transfer"), intro: t("demo_no_transfer"))) }
        if record.status == .active, !isDemo, let currency = Currency(code: record.currency) {
            let wallet = BalanceOperationStore.walletCurrency(for: currency)
            let balance = try await ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: record.userID, currency: wallet.currency))
            sections.append(PageSection(id: "transfer", heading: t("transfer"),
                                        intro: "\(t("wallet_balance")): \(renderer.format(context).money(Money(minorUnits: balance, currency: wallet.currency)))" +
                                            (wallet.centsPerUnit == 1 ? "" : " · \(t("cent_account_note"))"),
                                        forms: [PageForm(name: "transfer", action: "\(base)/transfer", submit: t("transfer_submit"), fields: [
                                            .select("direction", t("transfer_direction"), options: [("deposit", t("wallet_to_account")), ("withdrawal", t("account_to_wallet"))],
                                                    selected: "deposit"),
                                            .input("amount", "\(t("col_amount")) (\(record.currency))", required: true, pattern: "[0-9]+(\\.[0-9]+)?"),
                                            PageField(kind: .hidden, name: "operation_id", label: "", value: "tr_" + Tokens.random(bytes: 10)),
                                        ])]))
            sections.append(PageSection(id: "password", heading: t("trading_new_password"), intro: t("trading_new_password_intro"),
                                        forms: [PageForm(name: "password", action: "\(base)/password", submit: t("trading_new_password"), fields: [])]))
        }
        sections += [
            PageSection(heading: t("positions"), table: view.positionsTable(t)),
            PageSection(heading: t("balance_operations"), table: view.operationsTable(t)),
            PageSection(heading: t("deals"), intro: t("deals_intro"), table: view.dealsTable(t)),
        ]
        let response = renderer.sections("\(t("trading_account")) \(record.login)", surface: .portal, context: context, error: error, flash: flash,
                                         status: error == nil ? .ok : .badRequest, sections)
        return newPassword == nil ? response : Self.noStore(response)
    }

    /// Checks the transfer before accepting it, then answers with a redirect so that
    /// a refresh asks nothing twice (the form's operation id makes a resubmission the same transfer).
    func transfer(_ record: TradingAccountRecord, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let form = context.form
        let kind: BalanceOperation.Kind = form["direction"] == "withdrawal" ? .withdrawal : .deposit
        do {
            let operation = try await trading.clientTransfer(id: form["operation_id"] ?? "", account: record, kind: kind, amountText: form["amount"] ?? "",
                                                             ledger: ledger, audit: context.audit)
            return renderer.redirect("/portal/accounts/\(record.serverID)/\(record.login)?transfer=\(QueryText.escaped(operation.id))")
        } catch let refusal as ClientTransferRefusal {
            return try await detail(record, context, error: Self.wording(refusal, t, renderer.format(context)))
        } catch BalanceOperationError.idempotencyConflict {
            return try await detail(record, context, error: t("transfer_resubmitted"))
        } catch is BalanceOperationError {
            return try await detail(record, context, error: t("transfer_bad_amount"))
        }
    }

    /// A refused transfer in words a trader can act on.
    static func wording(_ refusal: ClientTransferRefusal, _ t: (String) -> String, _ format: PageFormat) -> String {
        switch refusal {
        case .amount: t("transfer_bad_amount")
        case let .wholeCents(cents): "\(t("transfer_whole_cents")) \(cents)."
        case let .walletShort(available): "\(t("transfer_wallet_short")) \(format.money(available))."
        case let .accountShort(available): "\(t("transfer_account_short")) \(format.money(available))."
        case .demoAccount: t("demo_no_transfer")
        case .inactiveAccount: t("transfer_inactive")
        case .serverUnavailable: t("transfer_server_unavailable")
        }
    }

    func resetPassword(_ record: TradingAccountRecord, _ context: AppContext) async throws -> Response {
        do {
            let password = try await trading.provisioning.resetPassword(serverID: record.serverID, login: record.login, audit: context.audit)
            return try await detail(record, context, newPassword: password)
        } catch is ProvisioningError {
            return try await detail(record, context, error: t(context)("trading_password_failed"))
        }
    }

    /// Why an account was not opened, in words a trader can act on (never a server's code).
    static func wording(_ error: ProvisioningError, _ t: (String) -> String) -> String {
        switch error {
        case let .leverageNotAllowed(requested, allowed):
            t("open_leverage_refused").replacingOccurrences(of: "{requested}", with: TradingFormat.leverage(requested))
                .replacingOccurrences(of: "{allowed}", with: allowed.map(TradingFormat.leverage).joined(separator: ", "))
        case .outcomeUnknown: t("open_being_confirmed")
        default: t("open_unavailable")
        }
    }

    static func noStore(_ response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
