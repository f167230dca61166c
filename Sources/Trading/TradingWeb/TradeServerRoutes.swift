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
        var rows: [(cells: [String], link: (href: String, label: String)?)] = []
        for server in try await trading.servers.all() {
            let state = try await trading.deals.syncState(of: server.id)
            let endpoint = "\(server.endpoint.useTLS ? "https" : "http")://\(server.endpoint.host):\(server.endpoint.port)"
            rows.append(([server.id.rawValue, server.name, server.environment.rawValue, endpoint, server.enabled ? "enabled" : "disabled",
                          state.map { "\($0.dealsStored) deals, up to \(Timestamps.iso($0.cursorTime * 1_000_000))" } ?? "not synced yet",
                          state?.lastError ?? ""],
                         (href: "/admin/trade-servers/\(server.id)", label: "Edit")))
        }
        var section = PageSection(table: PageTable(name: "servers", columns: ["Id", "Name", "Environment", "Web API", "Status", "Deal sync", "Last sync error"],
                                                   rows: rows, empty: "No trade server yet."))
        section.more = (href: "/admin/trade-servers/new", label: "Add a trade server")
        return renderer.sections("Trade servers", surface: .admin, context: context,
                                 intro: "Pipstack connects to each enabled server through its manager Web API, syncs its deals and opens accounts on it. Changes apply to the deal sync at the next restart.",
                                 [section])
    }

    func serverForm(id: String, _ context: AppContext, error: String? = nil, draft: TradeServerConfig? = nil, flash: String? = nil) async throws -> Response {
        let isNew = id == "new"
        let existing = isNew ? nil : try await trading.servers.server(ServerID(id))
        if !isNew && existing == nil { throw UserFacingError(.notFound, "no trade server \(id)") }
        let server = draft ?? existing ?? TradeServerConfig(id: "", name: "", environment: .live, endpoint: MT5Endpoint(host: "", port: 443),
                                                           managerLogin: 0, password: "")
        var fields: [PageField] = []
        if isNew { fields.append(.input("id", "Id (a-z, 0-9, _ and -)", value: server.id.rawValue, required: true, pattern: "[a-z0-9_\\-]{1,64}")) }
        fields += [
            .input("name", "Name", value: server.name, required: true),
            .select("environment", "Environment", options: TradeServerConfig.Environment.allCases.map { ($0.rawValue, $0.rawValue) },
                    selected: server.environment.rawValue),
            .input("host", "Web API host", value: server.endpoint.host, required: true),
            .input("port", "Web API port", value: server.endpoint.port == 0 ? "" : String(server.endpoint.port), type: "number", required: true),
            .checkbox("use_tls", "HTTPS", checked: server.endpoint.useTLS),
            .checkbox("allow_self_signed", "Accept a self-signed certificate (test servers only)", checked: server.endpoint.allowSelfSigned),
            PageField(kind: .textarea, name: "certificate_pem", label: "Trusted certificate (PEM, optional)", value: server.endpoint.trustedCertificatePEM ?? ""),
            .input("manager_login", "Manager login", value: server.managerLogin == 0 ? "" : String(server.managerLogin), type: "number", required: true),
            .input("password", "Manager password", type: "password", required: isNew,
                   hint: isNew ? "" : "Leave empty to keep the stored password. It is stored encrypted and never shown."),
            .input("group_mask", "Groups to sync (mask)", value: server.groupMask, required: true, hint: "MT5 group mask, e.g. * or real\\*,!real\\test*"),
            .input("login_first", "Next login to hand out", value: String(server.logins.lowerBound), type: "number", required: true),
            .input("login_last", "Last login of the range", value: String(server.logins.upperBound), type: "number", required: true),
            .checkbox("enabled", "Enabled", checked: server.enabled),
        ]
        let form = PageForm(name: "server", action: "/admin/trade-servers/\(isNew ? "new" : server.id)", submit: "Save", fields: fields)
        var sections = [PageSection(forms: [form])]
        if !isNew {
            sections.append(PageSection(id: "resync", heading: "Re-sync deals",
                                        intro: "Reads a range of the server's deals again (server time, UTC days, at most 31) and stores any that are missing or that the server changed since (a dealer's correction or cancellation, which commissions then reverse), in the background. The sync's position does not move.",
                                        forms: [PageForm(name: "resync", action: "/admin/trade-servers/\(server.id)/resync", submit: "Re-sync", fields: [
                                            .input("from", "From (day)", type: "date", required: true), .input("to", "To (day, included)", type: "date", required: true),
                                        ])]))
        }
        return renderer.sections(isNew ? "New trade server" : "Trade server \(server.name)", surface: .admin, context: context, error: error, flash: flash,
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
            return try await serverForm(id: isNew ? "new" : id, context, error: error.description, draft: shown)
        }
    }

    func resync(serverID: ServerID, _ context: AppContext) async throws -> Response {
        guard try await trading.servers.server(serverID) != nil else { throw UserFacingError(.notFound, "no trade server \(serverID)") }
        do {
            guard let from = CivilDay.start(context.form["from"] ?? "") else { throw FieldValidationError(field: "from", message: "a day as YYYY-MM-DD") }
            guard let to = CivilDay.start(context.form["to"] ?? "") else { throw FieldValidationError(field: "to", message: "a day as YYYY-MM-DD") }
            try await trading.resync.enqueue(.init(serverID: serverID, from: from, to: to + 86_399), audit: context.audit, clock: services.clock)
            return try await serverForm(id: serverID.rawValue, context, flash: "Re-sync queued; the job queue shows when it has run.")
        } catch let error as FieldValidationError {
            return try await serverForm(id: serverID.rawValue, context, error: error.description)
        }
    }

    // MARK: Account types

    func types(_ context: AppContext) async throws -> Response {
        let rows = try await trading.types.all().map { type -> (cells: [String], link: (href: String, label: String)?) in
            ([type.id, type.name, type.kind.displayName, type.serverID.rawValue, type.group, type.currency.code,
              type.leverageOptions.map(TradingFormat.leverage).joined(separator: ", "), type.enabled ? "offered" : "not offered"],
             (href: "/admin/account-types/\(type.id)", label: "Edit"))
        }
        var section = PageSection(table: PageTable(name: "account-types", columns: ["Id", "Name", "Kind", "Server", "Group", "Currency", "Leverage", "Status"],
                                                   rows: rows, empty: "No account type yet."))
        section.more = (href: "/admin/account-types/new", label: "Add an account type")
        return renderer.sections("Account types", surface: .admin, context: context,
                                 intro: "Each account type is one group on one server, sold under a name, in one currency, with the leverages a client may choose (the compliance policy may allow fewer).",
                                 [section])
    }

    func typeForm(id: String, _ context: AppContext, error: String? = nil, draft: AccountType? = nil, leverageText: String? = nil) async throws -> Response {
        let isNew = id == "new"
        let existing = isNew ? nil : try await trading.types.type(id)
        if !isNew && existing == nil { throw UserFacingError(.notFound, "no account type \(id)") }
        let servers = try await trading.servers.all()
        let type = draft ?? existing ?? AccountType(id: "", serverID: servers.first?.id ?? "", name: "", kind: .standard, group: "", currency: .usd,
                                                   leverageOptions: [1, 10, 30, 100, 200, 500])
        var fields: [PageField] = []
        if isNew { fields.append(.input("id", "Id (a-z, 0-9, _ and -)", value: type.id, required: true, pattern: "[a-z0-9_\\-]{1,64}")) }
        fields += [
            .input("name", "Name shown to clients", value: type.name, required: true),
            .select("kind", "Kind", options: AccountType.Kind.allCases.map { ($0.rawValue, $0.displayName) }, selected: type.kind.rawValue),
            .select("server_id", "Trade server", options: servers.map { ($0.id.rawValue, "\($0.name) (\($0.environment.rawValue))") }, selected: type.serverID.rawValue),
            .input("group", "Server group", value: type.group, required: true, hint: "The MT5 group accounts of this type are created in, e.g. real\\standard"),
            .input("currency", "Currency", value: type.currency.code, required: true, pattern: "[A-Z]{3,5}"),
            .input("leverage_options", "Leverage options", value: leverageText ?? type.leverageOptions.map(String.init).joined(separator: ", "),
                   required: true, hint: "Comma-separated, e.g. 1, 30, 100, 500 (1:1 to 1:10000)"),
            .checkbox("enabled", "Offered to clients", checked: type.enabled),
        ]
        let form = PageForm(name: "account-type", action: "/admin/account-types/\(isNew ? "new" : type.id)", submit: "Save", fields: fields)
        return renderer.sections(isNew ? "New account type" : "Account type \(type.name)", surface: .admin, context: context, error: error,
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
            return try await typeForm(id: isNew ? "new" : id, context, error: error.description, draft: draft, leverageText: leverageText)
        }
    }
}
