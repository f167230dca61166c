import BrokerCore
import Foundation
import Hummingbird
import Identity
import Money
import Trading
import Platform
import WebKit

/// Back-office settings of trade servers and of the account types sold on them.
struct TradeServerRoutes {
    let services: WebServices
    let renderer: PageRenderer
    let trading: TradingServices

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/trade-servers") { _, context in try await self.servers(context) }
        routes.get("/admin/trade-servers/:id") { _, context in
            try await self.serverForm(id: try context.parameters.require("id"), context)
        }
        routes.post("/admin/trade-servers/:id") { _, context in
            try await self.saveServer(pathID: try context.parameters.require("id"), context)
        }
        routes.post("/admin/trade-servers/:id/resync") { _, context in
            try await self.resync(serverID: ServerID(try context.parameters.require("id")), context)
        }
        routes.get("/admin/account-types") { _, context in try await self.types(context) }
        routes.get("/admin/account-types/:id") { _, context in
            try await self.typeForm(id: try context.parameters.require("id"), context)
        }
        routes.post("/admin/account-types/:id") { _, context in
            try await self.saveType(pathID: try context.parameters.require("id"), context)
        }
    }

    // MARK: Servers

    func servers(_ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        var rows: [PageRow] = []
        for server in try await trading.servers.all() {
            let state = try await trading.deals.syncState(of: server.id)
            let endpoint = "\(server.endpoint.useTLS ? "https" : "http")://\(server.endpoint.host):\(server.endpoint.port)"
            rows.append(PageRow(cells: [.text(server.name, sub: server.id.rawValue), .text(t("environment_\(server.environment.rawValue)")), .code(endpoint),
                                        .badge(server.enabled ? Badge(t("server_enabled"), tone: .ok) : Badge(t("server_disabled"), tone: .neutral)),
                                        state.map { .number($0.dealsStored) } ?? .empty, state.map { .time($0.cursorTime * 1_000_000) } ?? .text(t("server_not_synced")),
                                        (state?.lastError ?? "").isEmpty ? .empty : .code(state?.lastError ?? "")],
                                link: (href: "/admin/trade-servers/\(server.id)", label: t("edit"))))
        }
        var section = PageSection(table: PageTable(name: "servers", columns: [PageColumn(t("server_col_name")), PageColumn(t("col_environment")),
                                                                              PageColumn(t("server_col_web_api")), PageColumn(t("col_status")),
                                                                              PageColumn(t("server_col_deals")), PageColumn(t("server_col_synced_to")),
                                                                              PageColumn(t("server_col_last_error"))],
                                                   rows: rows, empty: t("servers_none")))
        section.more = (href: "/admin/trade-servers/new", label: t("server_add"))
        return renderer.sections(t("nav_trade_servers"), surface: .admin, context: context, intro: t("servers_intro"), [section])
    }

    func serverForm(id: String, _ context: AppContext, error: String? = nil, draft: TradeServerConfig? = nil, flash: String? = nil) async throws -> Response {
        let isNew = id == "new"
        let existing = isNew ? nil : try await trading.servers.server(ServerID(id))
        if !isNew && existing == nil { throw UserFacingError(.notFound, "no trade server \(id)") }
        let server = draft ?? existing ?? TradeServerConfig(id: "", name: "", environment: .live, endpoint: MT5Endpoint(host: "", port: 443),
                                                           managerLogin: 0, password: "")
        let t = { (key: String) in self.renderer.text(key, context) }
        var fields: [PageField] = []
        if isNew { fields.append(.input("id", t("field_id"), value: server.id.rawValue, required: true, pattern: "[a-z0-9_\\-]{1,64}")) }
        fields += [
            .input("name", t("server_col_name"), value: server.name, required: true),
            .select("environment", t("col_environment"), options: TradeServerConfig.Environment.allCases.map { ($0.rawValue, t("environment_\($0.rawValue)")) },
                    selected: server.environment.rawValue),
            .input("host", t("server_field_host"), value: server.endpoint.host, required: true),
            .input("port", t("server_field_port"), value: server.endpoint.port == 0 ? "" : String(server.endpoint.port), type: "number", required: true),
            .checkbox("use_tls", t("server_field_tls"), checked: server.endpoint.useTLS),
            .checkbox("allow_self_signed", t("server_field_self_signed"), checked: server.endpoint.allowSelfSigned),
            PageField(kind: .textarea, name: "certificate_pem", label: t("server_field_certificate"), value: server.endpoint.trustedCertificatePEM ?? ""),
            .input("manager_login", t("server_field_manager"), value: server.managerLogin == 0 ? "" : String(server.managerLogin), type: "number", required: true),
            .input("password", t("server_field_password"), type: "password", required: isNew, hint: isNew ? "" : t("server_field_password_hint")),
            .input("group_mask", t("server_field_mask"), value: server.groupMask, required: true, hint: t("server_field_mask_hint")),
            .input("login_first", t("server_field_login_first"), value: String(server.logins.lowerBound), type: "number", required: true),
            .input("login_last", t("server_field_login_last"), value: String(server.logins.upperBound), type: "number", required: true),
            .checkbox("enabled", t("server_enabled"), checked: server.enabled),
        ]
        let form = PageForm(name: "server", action: "/admin/trade-servers/\(isNew ? "new" : server.id)", submit: t("save"), fields: fields)
        var sections = [PageSection(forms: [form])]
        if !isNew {
            sections.append(PageSection(id: "resync", heading: t("resync_heading"), intro: t("resync_intro"),
                                        forms: [PageForm(name: "resync", action: "/admin/trade-servers/\(server.id)/resync", submit: t("resync_submit"), fields: [
                                            .input("from", t("field_from_day"), type: "date", required: true), .input("to", t("field_to_day"), type: "date", required: true),
                                        ])]))
        }
        return renderer.sections(isNew ? t("server_new") : server.name, surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func saveServer(pathID: String, _ context: AppContext) async throws -> Response {
        let form = context.form
        let isNew = pathID == "new"
        let id = isNew ? (form["id"] ?? "") : pathID
        let existing = try await trading.servers.server(ServerID(id))
        if isNew && existing != nil { throw UserFacingError(.conflict, "trade server \(id) exists already") }
        if !isNew && existing == nil { throw UserFacingError(.notFound, "no trade server \(id)") }
        let password = (form["password"] ?? "").isEmpty ? (existing?.password ?? "") : (form["password"] ?? "")
        let pem = (form["certificate_pem"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let first = UInt64(form["login_first"] ?? "") ?? 0
        let last = UInt64(form["login_last"] ?? "") ?? 0
        let draft = TradeServerConfig(
            id: ServerID(id), name: form["name"] ?? "", environment: TradeServerConfig.Environment(rawValue: form["environment"] ?? "") ?? .live,
            endpoint: MT5Endpoint(host: form["host"] ?? "", port: Int(form["port"] ?? "") ?? 0, useTLS: form["use_tls"] == "yes",
                                  allowSelfSigned: form["allow_self_signed"] == "yes", trustedCertificatePEM: pem.isEmpty ? nil : pem),
            managerLogin: UInt64(form["manager_login"] ?? "") ?? 0, password: password, groupMask: form["group_mask"] ?? "",
            enabled: form["enabled"] == "yes", logins: first...max(first, last))
        do {
            guard first > 0, last >= first else { throw TradeServerValidationError(field: "login_last", message: "a range from the first login up") }
            try await trading.servers.save(draft, audit: context.audit)
            return renderer.redirect("/admin/trade-servers")
        } catch let error as TradeServerValidationError {
            var shown = draft
            shown.password = ""
            return try await serverForm(id: isNew ? "new" : id, context, error: renderer.refusal(error, context), draft: shown)
        }
    }

    func resync(serverID: ServerID, _ context: AppContext) async throws -> Response {
        guard try await trading.servers.server(serverID) != nil else { throw UserFacingError(.notFound, "no trade server \(serverID)") }
        do {
            guard let from = CivilDay.start(context.form["from"] ?? "") else { throw FieldValidationError(field: "from", message: "a day as YYYY-MM-DD") }
            guard let to = CivilDay.start(context.form["to"] ?? "") else { throw FieldValidationError(field: "to", message: "a day as YYYY-MM-DD") }
            try await trading.resync.enqueue(.init(serverID: serverID, from: from, to: to + 86_399), audit: context.audit, clock: services.clock)
            return try await serverForm(id: serverID.rawValue, context, flash: renderer.text("resync_queued", context))
        } catch let error as FieldValidationError {
            return try await serverForm(id: serverID.rawValue, context, error: renderer.refusal(error, context))
        }
    }

    // MARK: Account types

    func types(_ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        let servers = Dictionary(try await trading.servers.all().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = try await trading.types.all().map { type -> PageRow in
            PageRow(cells: [.text(type.name, sub: type.id), .text(t("account_kind_\(type.kind.rawValue)")), .text(servers[type.serverID] ?? type.serverID.rawValue),
                            .code(type.group), .text(type.currency.code), .text(type.leverageOptions.map(TradingFormat.leverage).joined(separator: ", ")),
                            .badge(type.enabled ? Badge(t("type_offered"), tone: .ok) : Badge(t("type_not_offered"), tone: .neutral))],
                    link: (href: "/admin/account-types/\(type.id)", label: t("edit")))
        }
        var section = PageSection(table: PageTable(name: "account-types", columns: [PageColumn(t("server_col_name")), PageColumn(t("type_col_kind")),
                                                                                   PageColumn(t("type_col_server")), PageColumn(t("type_col_group")),
                                                                                   PageColumn(t("account_currency")), PageColumn(t("account_leverage")),
                                                                                   PageColumn(t("col_status"))],
                                                   rows: rows, empty: t("types_none")))
        section.more = (href: "/admin/account-types/new", label: t("type_add"))
        return renderer.sections(t("nav_account_types"), surface: .admin, context: context, intro: t("types_intro"), [section])
    }

    func typeForm(id: String, _ context: AppContext, error: String? = nil, draft: AccountType? = nil, leverageText: String? = nil) async throws -> Response {
        let isNew = id == "new"
        let existing = isNew ? nil : try await trading.types.type(id)
        if !isNew && existing == nil { throw UserFacingError(.notFound, "no account type \(id)") }
        let servers = try await trading.servers.all()
        let type = draft ?? existing ?? AccountType(id: "", serverID: servers.first?.id ?? "", name: "", kind: .standard, group: "", currency: .usd,
                                                   leverageOptions: [1, 10, 30, 100, 200, 500])
        let t = { (key: String) in self.renderer.text(key, context) }
        var fields: [PageField] = []
        if isNew { fields.append(.input("id", t("field_id"), value: type.id, required: true, pattern: "[a-z0-9_\\-]{1,64}")) }
        fields += [
            .input("name", t("type_field_name"), value: type.name, required: true),
            .select("kind", t("type_col_kind"), options: AccountType.Kind.allCases.map { ($0.rawValue, t("account_kind_\($0.rawValue)")) }, selected: type.kind.rawValue),
            .select("server_id", t("type_col_server"), options: servers.map { ($0.id.rawValue, "\($0.name) (\(t("environment_\($0.environment.rawValue)")))") },
                    selected: type.serverID.rawValue),
            .input("group", t("type_col_group"), value: type.group, required: true, hint: t("type_field_group_hint")),
            .input("currency", t("account_currency"), value: type.currency.code, required: true, pattern: "[A-Z]{3,5}"),
            .input("leverage_options", t("type_field_leverages"), value: leverageText ?? type.leverageOptions.map(String.init).joined(separator: ", "),
                   required: true, hint: t("type_field_leverages_hint")),
            .checkbox("enabled", t("type_field_offered"), checked: type.enabled),
        ]
        let form = PageForm(name: "account-type", action: "/admin/account-types/\(isNew ? "new" : type.id)", submit: t("save"), fields: fields)
        return renderer.sections(isNew ? t("type_new") : type.name, surface: .admin, context: context, error: error,
                                 status: error == nil ? .ok : .badRequest, [PageSection(forms: [form])])
    }

    func saveType(pathID: String, _ context: AppContext) async throws -> Response {
        let form = context.form
        let isNew = pathID == "new"
        let id = isNew ? (form["id"] ?? "") : pathID
        let existing = try await trading.types.type(id)
        if isNew && existing != nil { throw UserFacingError(.conflict, "account type \(id) exists already") }
        if !isNew && existing == nil { throw UserFacingError(.notFound, "no account type \(id)") }
        let leverageText = form["leverage_options"] ?? ""
        var draft = AccountType(id: id, serverID: ServerID(form["server_id"] ?? ""), name: form["name"] ?? "",
                                kind: AccountType.Kind(rawValue: form["kind"] ?? "") ?? .standard, group: form["group"] ?? "",
                                currency: .usd, leverageOptions: [], enabled: form["enabled"] == "yes")
        do {
            guard let currency = Currency(code: (form["currency"] ?? "").uppercased()) else {
                throw AccountTypeError.invalid(field: "currency", "unknown currency \(form["currency"] ?? "")")
            }
            draft.currency = currency
            draft.leverageOptions = try AccountType.parseLeverageOptions(leverageText)
            guard try await trading.servers.server(draft.serverID) != nil else { throw AccountTypeError.invalid(field: "server_id", "choose a trade server") }
            try await trading.types.save(draft, audit: context.audit)
            return renderer.redirect("/admin/account-types")
        } catch let error as AccountTypeError {
            return try await typeForm(id: isNew ? "new" : id, context, error: renderer.refusal(error, context), draft: draft, leverageText: leverageText)
        }
    }
}
