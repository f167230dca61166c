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
        let server = request.uri.queryParameters.get("server").map { String($0) }.flatMap { $0.isEmpty ? nil : ServerID($0) }
        let status = try QueryParameters.choice(request, "status", as: TradingAccountRecord.Status.self)
        let records = try await trading.accounts.list(serverID: server, status: status, limit: 500)
        var owners: [String: User] = [:]
        for user in try await services.identity.users(kind: .trader, limit: 10_000) { owners[user.id.rawValue] = user }
        let rows = records.map { record -> (cells: [String], link: (href: String, label: String)?) in
            ([record.serverID.rawValue, "\(record.login)", owners[record.userID]?.email ?? record.userID, record.accountTypeID, record.group, record.currency,
              TradingFormat.leverage(record.leverage), record.status.rawValue, record.tradingEnabled ? "yes" : "no", Timestamps.iso(record.createdAt)],
             (href: "/admin/trading-accounts/\(record.serverID)/\(record.login)", label: "Open"))
        }
        return renderer.sections("Trading accounts", surface: .admin, context: context,
                                 intro: "Accounts opened through Pipstack, newest first. Filter with ?server= and ?status=creating|active|failed.",
                                 [PageSection(table: PageTable(name: "accounts", columns: ["Server", "Login", "Client", "Type", "Group", "Currency",
                                                                                          "Leverage", "Status", "Trading", "Opened (UTC)"],
                                                               rows: rows, empty: "No trading account yet."))])
    }

    func detail(_ serverID: ServerID, _ login: TradingLogin, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        guard let record = try await trading.accounts.account(serverID: serverID, login: login) else {
            throw UserFacingError(.notFound, "no trading account \(serverID):\(login)")
        }
        let view = try await TradingAccountView.load(record, trading: trading)
        let t = t(context)
        let owner = try await services.identity.user(id: UserID(record.userID))
        var facts = view.facts(t)
        facts.insert(("Client", owner.map { "\($0.displayName) <\($0.email)>" } ?? record.userID, "client"), at: 0)
        facts.append(("Account type", record.accountTypeID, "type"))
        facts.append(("Group", record.group, "group"))
        let base = "/admin/trading-accounts/\(serverID)/\(login)"
        var sections = [PageSection(heading: "Account", facts: facts,
                                    more: (href: "/admin/ledger/statement?account=\(QueryText.escaped("trading_account:\(serverID):\(login):\(record.currency)"))",
                                           label: "Ledger statement of this account"))]
        let principal = context.principal
        if record.status == .active, renderer.allows(principal, .post, "/admin/trading-accounts/:server/:login/change") {
            let types = try await trading.types.all().filter { $0.serverID == serverID && $0.currency.code == record.currency }
            let current = types.first { $0.id == record.accountTypeID }
            let leverages = current.map { LeveragePolicy.choices(for: LeverageRequest(clientID: record.userID, accountType: $0, isDemo: false)) } ?? [record.leverage]
            sections.append(PageSection(heading: "Change settings", intro: "Applied on the trade server first, then recorded and audited.", forms: [
                PageForm(name: "change", action: "\(base)/change", submit: "Apply", fields: [
                    .select("account_type", "Account type (group)", options: types.map { ($0.id, "\($0.name) · \($0.group)") }, selected: record.accountTypeID),
                    .select("leverage", "Leverage", options: Array(Set(leverages + [record.leverage])).sorted().map { (String($0), TradingFormat.leverage($0)) },
                            selected: String(record.leverage)),
                    .checkbox("trading_enabled", "Trading enabled", checked: record.tradingEnabled),
                ]),
            ]))
        }
        if record.status == .active, renderer.allows(principal, .post, "/admin/trading-accounts/:server/:login/balance") {
            sections.append(PageSection(heading: "Balance operation", intro: "Sent to the server exactly once; deposits are taken from the client's wallet first, withdrawals paid into it.", forms: [
                PageForm(name: "balance", action: "\(base)/balance", submit: "Send", fields: [
                    .select("kind", "Operation", options: BalanceOperation.Kind.allCases.map { ($0.rawValue, $0.rawValue) }, selected: "deposit"),
                    .input("amount", "Amount (\(record.currency))", required: true, pattern: "-?[0-9]+(\\.[0-9]+)?"),
                    .input("comment", "Note for the record"),
                    PageField(kind: .hidden, name: "operation_id", label: "", value: "bo_" + Tokens.random(bytes: 10)),
                ]),
            ]))
        }
        sections += [
            PageSection(heading: t("positions"), table: view.positionsTable(t)),
            PageSection(heading: t("balance_operations"), table: view.operationsTable(t)),
            PageSection(heading: t("deals"), intro: t("deals_intro"), table: view.dealsTable(t)),
        ]
        return renderer.sections("Trading account \(serverID):\(login)", surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func change(_ serverID: ServerID, _ login: TradingLogin, _ context: AppContext) async throws -> Response {
        let form = context.form
        let request = AccountChangeRequest(accountTypeID: form["account_type"], leverage: form["leverage"].flatMap { Int($0) },
                                           tradingEnabled: form["trading_enabled"] == "yes")
        do {
            _ = try await trading.provisioning.change(serverID: serverID, login: login, request, audit: context.audit)
            return try await detail(serverID, login, context, flash: "Settings applied on the server and recorded.")
        } catch let error as ProvisioningError {
            return try await detail(serverID, login, context, error: error.description)
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
            return try await detail(serverID, login, context, flash: "Operation \(operation.id) queued: \(operation.status.rawValue).")
        } catch let error as BalanceOperationError {
            return try await detail(serverID, login, context, error: error.description)
        }
    }

    func operations(_ request: Request, _ context: AppContext) async throws -> Response {
        let status = try QueryParameters.choice(request, "status", as: BalanceOperationRecord.Status.self)
        let rows = try await trading.operations.list(status: status, limit: 500).map { operation -> (cells: [String], link: (href: String, label: String)?) in
            ([operation.id, Timestamps.iso(operation.createdAt), "\(operation.serverID):\(operation.login)", operation.kind.rawValue,
              TradingFormat.minor(operation.amount, operation.currency), operation.status.rawValue, "\(operation.attempts)",
              operation.dealTicket == 0 ? "" : "\(operation.dealTicket)", operation.requestedBy, operation.lastError],
             (href: "/admin/trading-accounts/\(operation.serverID)/\(operation.login)", label: "Account"))
        }
        return renderer.sections("Balance operations", surface: .admin, context: context,
                                 intro: "Every deposit, withdrawal, credit, bonus, correction and charge sent to a trade server. Filter with ?status=pending|sending|done|failed.",
                                 [PageSection(table: PageTable(name: "operations", columns: ["Operation", "Requested (UTC)", "Account", "Kind", "Amount", "Status",
                                                                                            "Attempts", "Deal", "Requested by", "Last error"],
                                                               rows: rows, empty: "No balance operation yet."))])
    }
}
