import BrokerCore
import Foundation
import Hummingbird
import Identity
import Money
import Trading
import Platform
import WebKit

/// Back-office pages for trading accounts: the list, one account with its deals,
/// positions and money, staff changes (leverage, type, trading permission) and
/// balance operations, all audited.
struct TradingAccountAdminRoutes {
    let services: WebServices
    let renderer: PageRenderer
    let trading: TradingServices

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/trading-accounts") { request, context in try await self.list(request, context) }
        routes.get("/admin/trading-accounts/:server/:login") { _, context in
            let (server, login) = try Self.account(context)
            return try await self.detail(server, login, context)
        }
        routes.post("/admin/trading-accounts/:server/:login/change") { _, context in
            let (server, login) = try Self.account(context)
            return try await self.change(server, login, context)
        }
        routes.post("/admin/trading-accounts/:server/:login/balance") { _, context in
            let (server, login) = try Self.account(context)
            return try await self.balanceOperation(server, login, context)
        }
        routes.get("/admin/balance-operations") { request, context in try await self.operations(request, context) }
    }

    static func account(_ context: AppContext) throws -> (ServerID, TradingLogin) {
        let server = ServerID(try context.parameters.require("server"))
        guard let login = TradingLogin(try context.parameters.require("login")) else { throw UserFacingError(.badRequest, "login must be a number") }
        return (server, login)
    }

    func t(_ context: AppContext) -> (String) -> String { { services.localization.text($0, context.language) } }

    func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let server = request.uri.queryParameters.get("server").map { String($0) }.flatMap { $0.isEmpty ? nil : ServerID($0) }
        let status = try QueryParameters.choice(request, "status", as: TradingAccountRecord.Status.self)
        let records = try await trading.accounts.list(serverID: server, status: status, limit: 500)
        var owners: [String: User] = [:]
        for user in try await services.identity.users(kind: .trader, limit: 10_000) { owners[user.id.rawValue] = user }
        let servers = try await trading.servers.all()
        let types = Dictionary(try await trading.types.all().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = records.map { record -> PageRow in
            let owner = owners[record.userID]
            return PageRow(cells: [.code("\(record.login)"), .text(servers.first { $0.id == record.serverID }?.name ?? record.serverID.rawValue),
                                   owner.map { .text($0.displayName, sub: $0.email) } ?? .code(record.userID),
                                   .text(types[record.accountTypeID] ?? record.accountTypeID), .text(record.currency), .text(TradingFormat.leverage(record.leverage)),
                                   .badge(Self.statusBadge(record, t)), .time(record.createdAt)],
                           link: (href: "/admin/trading-accounts/\(record.serverID)/\(record.login)", label: t("open_details")))
        }
        let filters = PageFilters(fields: [
            .select("server", t("account_server"), options: [("", t("any"))] + servers.map { ($0.id.rawValue, $0.name) }, selected: server?.rawValue ?? ""),
            .select("status", t("col_status"), options: [("", t("any"))] + TradingAccountRecord.Status.allCases.map { ($0.rawValue, t("status_\($0.rawValue)")) },
                    selected: status?.rawValue ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/trading-accounts", label: t("reset_filters")))
        return renderer.sections(t("nav_trading_accounts"), surface: .admin, context: context, intro: t("trading_accounts_intro"),
                                 [PageSection(table: PageTable(name: "accounts", columns: [PageColumn(t("account_login")), PageColumn(t("account_server")),
                                                                                          PageColumn(t("col_client_name")), PageColumn(t("col_account_type")),
                                                                                          PageColumn(t("account_currency")), PageColumn(t("account_leverage")),
                                                                                          PageColumn(t("col_status")), PageColumn(t("col_opened_at"))],
                                                               rows: rows, empty: t("trading_accounts_none")), filters: filters)])
    }

    /// The account's state as a badge: trading disabled shows as a warning on an active account.
    static func statusBadge(_ record: TradingAccountRecord, _ t: (String) -> String) -> Badge {
        switch record.status {
        case .active: record.tradingEnabled ? Badge(t("status_active"), tone: .ok) : Badge(t("trading_disabled"), tone: .warn)
        case .creating: Badge(t("status_creating"), tone: .info)
        case .failed: Badge(t("status_failed"), tone: .bad)
        }
    }

    func detail(_ serverID: ServerID, _ login: TradingLogin, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        guard let record = try await trading.accounts.account(serverID: serverID, login: login) else {
            throw UserFacingError(.notFound, "no trading account \(serverID):\(login)")
        }
        let view = try await TradingAccountView.load(record, trading: trading)
        let t = t(context)
        let owner = try await services.identity.user(id: UserID(record.userID))
        var facts = view.facts(t, renderer.format(context))
        facts.insert((t("col_client_name"), owner.map { "\($0.displayName) <\($0.email)>" } ?? record.userID, "client"), at: 0)
        facts.append((t("col_account_type"), "\(try await trading.types.type(record.accountTypeID)?.name ?? record.accountTypeID) · \(record.group)", "type"))
        let base = "/admin/trading-accounts/\(serverID)/\(login)"
        var sections = [PageSection(heading: t("account_summary"), facts: facts,
                                    more: (href: "/admin/ledger/statement?account=\(QueryText.escaped("trading_account:\(serverID):\(login):\(record.currency)"))",
                                           label: t("account_ledger_statement")))]
        let principal = context.principal
        if record.status == .active, renderer.allows(principal, .post, "/admin/trading-accounts/:server/:login/change") {
            let types = try await trading.types.all().filter { $0.serverID == serverID && $0.currency.code == record.currency }
            let current = types.first { $0.id == record.accountTypeID }
            let leverages = current.map { LeveragePolicy.choices(for: LeverageRequest(clientID: record.userID, accountType: $0, isDemo: false)) } ?? [record.leverage]
            sections.append(PageSection(heading: t("account_change_heading"), intro: t("account_change_intro"), forms: [
                PageForm(name: "change", action: "\(base)/change", submit: t("apply"), fields: [
                    .select("account_type", t("col_account_type"), options: types.map { ($0.id, "\($0.name) · \($0.group)") }, selected: record.accountTypeID),
                    .select("leverage", t("account_leverage"), options: Array(Set(leverages + [record.leverage])).sorted().map { (String($0), TradingFormat.leverage($0)) },
                            selected: String(record.leverage)),
                    .checkbox("trading_enabled", t("account_trading_enabled"), checked: record.tradingEnabled),
                ]),
            ]))
        }
        if record.status == .active, renderer.allows(principal, .post, "/admin/trading-accounts/:server/:login/balance") {
            sections.append(PageSection(heading: t("balance_operation_heading"), intro: t("balance_operation_intro"), forms: [
                PageForm(name: "balance", action: "\(base)/balance", submit: t("send"), fields: [
                    .select("kind", t("col_operation"), options: BalanceOperation.Kind.allCases.map { ($0.rawValue, t("operation_kind_\($0.rawValue)")) }, selected: "deposit"),
                    .input("amount", "\(t("col_amount")) (\(record.currency))", required: true, pattern: "-?[0-9]+(\\.[0-9]+)?"),
                    .input("comment", t("balance_operation_note")),
                    PageField(kind: .hidden, name: "operation_id", label: "", value: "bo_" + Tokens.random(bytes: 10)),
                ]),
            ]))
        }
        sections += [
            PageSection(heading: t("positions"), table: view.positionsTable(t)),
            PageSection(heading: t("balance_operations"), table: view.operationsTable(t)),
            PageSection(heading: t("deals"), intro: t("deals_intro"), table: view.dealsTable(t)),
        ]
        return renderer.sections("\(t("trading_account")) \(login)", surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func change(_ serverID: ServerID, _ login: TradingLogin, _ context: AppContext) async throws -> Response {
        let form = context.form
        let request = AccountChangeRequest(accountTypeID: form["account_type"], leverage: form["leverage"].flatMap { Int($0) },
                                           tradingEnabled: form["trading_enabled"] == "yes")
        do {
            _ = try await trading.provisioning.change(serverID: serverID, login: login, request, audit: context.audit)
            return try await detail(serverID, login, context, flash: t(context)("account_change_done"))
        } catch let error as ProvisioningError {
            return try await detail(serverID, login, context, error: renderer.refusal(error, context))
        }
    }

    func balanceOperation(_ serverID: ServerID, _ login: TradingLogin, _ context: AppContext) async throws -> Response {
        guard let record = try await trading.accounts.account(serverID: serverID, login: login) else {
            throw UserFacingError(.notFound, "no trading account \(serverID):\(login)")
        }
        let form = context.form
        do {
            guard let kind = BalanceOperation.Kind(rawValue: form["kind"] ?? "") else { throw BalanceOperationError.invalid(field: "kind", "choose an operation") }
            guard let currency = Currency(code: record.currency) else { throw BalanceOperationError.invalid(field: "amount", "unknown currency") }
            let amount: Money
            do { amount = try Money(parsing: form["amount"] ?? "", currency: currency) } catch {
                throw BalanceOperationError.invalid(field: "amount", "\(form["amount"] ?? "") is not an amount in \(currency.code)")
            }
            let operation = try await trading.operations.request(
                BalanceOperationRequest(id: form["operation_id"] ?? "", serverID: serverID, login: login, kind: kind, amount: amount,
                                        walletOwner: record.userID, comment: form["comment"] ?? ""),
                for: record, audit: context.audit)
            return try await detail(serverID, login, context, flash: "\(t(context)("balance_operation_queued")) \(operation.id)")
        } catch let error as BalanceOperationError {
            return try await detail(serverID, login, context, error: renderer.refusal(error, context))
        }
    }

    func operations(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let status = try QueryParameters.choice(request, "status", as: BalanceOperationRecord.Status.self)
        let tones: [BalanceOperationRecord.Status: Badge.Tone] = [.pending: .info, .sending: .info, .done: .ok, .failed: .bad]
        let rows = try await trading.operations.list(status: status, limit: 500).map { operation -> PageRow in
            PageRow(cells: [.code(operation.id), .time(operation.createdAt), .code("\(operation.serverID):\(operation.login)"),
                            .text(t("operation_kind_\(operation.kind.rawValue)")),
                            Currency(code: operation.currency).map { .money(Money(minorUnits: operation.amount, currency: $0)) } ?? .number(operation.amount),
                            .badge(Badge(t("operation_status_\(operation.status.rawValue)"), tone: tones[operation.status] ?? .neutral)),
                            .number(Int64(operation.attempts)), operation.dealTicket == 0 ? .empty : .code("\(operation.dealTicket)"),
                            .code(operation.requestedBy), operation.lastError.isEmpty ? .empty : .code(operation.lastError)],
                    link: (href: "/admin/trading-accounts/\(operation.serverID)/\(operation.login)", label: t("open_details")))
        }
        let filters = PageFilters(fields: [
            .select("status", t("col_status"), options: [("", t("any"))] + BalanceOperationRecord.Status.allCases.map { ($0.rawValue, t("operation_status_\($0.rawValue)")) },
                    selected: status?.rawValue ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/balance-operations", label: t("reset_filters")))
        return renderer.sections(t("nav_balance_operations"), surface: .admin, context: context, intro: t("balance_operations_intro"),
                                 [PageSection(table: PageTable(name: "operations", columns: [PageColumn(t("col_operation")), PageColumn(t("col_requested_at")),
                                                                                            PageColumn(t("col_trading_account")), PageColumn(t("col_type")),
                                                                                            PageColumn(t("col_amount")), PageColumn(t("col_status")),
                                                                                            PageColumn(t("jobs_col_attempts")), PageColumn(t("col_deal")),
                                                                                            PageColumn(t("col_requested_by")), PageColumn(t("jobs_col_last_error"))],
                                                               rows: rows, empty: t("no_operations")), filters: filters)])
    }
}
