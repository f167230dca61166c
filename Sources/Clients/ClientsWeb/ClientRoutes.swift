import BrokerCore
import Commissions
import Foundation
import Hummingbird
import Identity
import Ledger
import LedgerCore
import Money
import Partners
import Platform
import Trading
import WebKit

/// Client 360 in the back office: `/admin/clients` finds a client by name, email,
/// trading login or id, filters by status, partner and registration date, pages by
/// keyset and exports the filtered list as CSV; a client's page has tabs for the
/// overview, the trading accounts, the wallet, deals, the partner and CPA, and a
/// readable timeline of every audited change with the fields that changed.
struct ClientRoutes {
    let services: ClientsWebServices
    let renderer: PageRenderer
    let countries: ClientCountryList
    static let pageSize = 50

    init(services: ClientsWebServices, renderer: PageRenderer) {
        self.services = services
        self.renderer = renderer
        countries = ClientCountryList(store: services.clientEvents, clock: services.web.clock)
    }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/clients") { request, context in try await self.list(request, context) }
        routes.get("/admin/clients/export.csv") { request, context in try await self.export(request, context) }
        routes.get("/admin/clients/:id") { request, context in
            try await self.profile(UserID(try context.parameters.require("id")), tab: request.uri.queryParameters.get("tab").map { String($0) } ?? "overview",
                                   context)
        }
    }

    func t(_ context: AppContext) -> (String) -> String { { renderer.text($0, context) } }

    // MARK: The list

    /// The list's query from the request: the search, the filters, and who another slice narrows it to.
    func query(_ request: Request) async throws -> (query: UserDirectory.ClientQuery, partner: PartnerID?) {
        var query = UserDirectory.ClientQuery()
        query.search = String((QueryParameters.text(request, "q") ?? "").prefix(200))
        query.status = try QueryParameters.choice(request, "status", as: ClientStatus.self)?.rawValue
        query.registeredFrom = try QueryParameters.day(request, "from").map { $0 * 1_000_000 }
        query.registeredBefore = try QueryParameters.day(request, "to").map { ($0 + 86_400) * 1_000_000 }
        if let brand = QueryParameters.text(request, "brand") {
            guard await services.web.brands.directory().brands.contains(where: { $0.id.rawValue == brand }) else {
                throw UserFacingError(.badRequest, "brand: no brand \(brand.prefix(64))")
            }
            query.brand = BrandID(brand)
        }
        let partner = QueryParameters.text(request, "partner").map { PartnerID(String($0.prefix(64))) }
        if let partner {
            query.ids = Set(try await services.partners.attributions.attributions(of: partner, at: services.web.clock.nowMicros())
                .filter { $0.subject == .client }.map(\.subjectID))
        }
        if let country = QueryParameters.text(request, "country") {
            guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw UserFacingError(.badRequest, "country: a two-letter ISO 3166 code such as DE")
            }
            let inCountry = Set(try await services.clientEvents.clients(inCountry: country))
            query.ids = query.ids.map { $0.intersection(inCountry) } ?? inCountry
            query.country = country
        }
        if let login = UInt64(query.search.trimmingCharacters(in: .whitespaces)) {
            query.searchIDs = Set(try await services.web.db.read { sql in try await TradingAccountStore.owners(login: login, on: sql) })
        }
        return (query, partner)
    }

    enum ClientStatus: String, CaseIterable { case active, invited, disabled }

    func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let (query, partner) = try await query(request)
        let after = try Self.cursor(request)
        let page = try await services.web.db.read { sql in
            try await UserDirectory.clients(query, after: after, limit: Self.pageSize + 1, on: sql)
        }
        let shown = Array(page.prefix(Self.pageSize))
        let counts = try await services.web.db.read { sql in try await TradingAccountStore.accountCounts(of: shown.map(\.id.rawValue), on: sql) }
        let partnersByClient = try await partnerOfClients(shown.map(\.id.rawValue))
        let names = Dictionary(try await services.partners.partners.all().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let brands = await services.web.brands.directory().brands.sorted { $0.name < $1.name }
        let countryOptions = try await countries.options(context.language)
        let rows = shown.map { user -> PageRow in
            PageRow(cells: [.link(user.displayName, href: "/admin/clients/\(user.id)", sub: user.email),
                            .badge(Self.statusBadge(user.status, t)), .number(Int64(counts[user.id.rawValue] ?? 0)),
                            partnersByClient[user.id.rawValue].map { .text(names[$0] ?? $0.rawValue) } ?? .empty,
                            user.createdAt.map { .day($0) } ?? .empty])
        }
        let base = Self.queryString(request, dropping: ["after"])
        let older = page.count > Self.pageSize ? shown.last.map { last in
            (href: "/admin/clients?\(base)\(base.isEmpty ? "" : "&")after=\(last.createdAt ?? 0)_\(QueryText.escaped(last.id.rawValue))", label: t("older"))
        } : nil
        let filters = PageFilters(fields: [
            .input("q", t("clients_search"), value: query.search, hint: t("clients_search_hint")),
            .select("status", t("col_status"), options: [("", t("any"))] + ClientStatus.allCases.map { ($0.rawValue, t("user_status_\($0.rawValue)")) },
                    selected: query.status ?? ""),
            .select("partner", t("col_partner"), options: [("", t("any"))] + names.sorted { $0.value < $1.value }.map { ($0.key.rawValue, $0.value) },
                    selected: partner?.rawValue ?? ""),
            .select("brand", t("col_brand"), options: [("", t("any"))] + brands.map { ($0.id.rawValue, $0.name) }, selected: query.brand?.rawValue ?? ""),
            .select("country", t("col_country"), options: [("", t("any"))] + countryOptions.map { ($0.code, $0.name) }, selected: query.country ?? ""),
            .input("from", t("clients_registered_from"), value: query.registeredFrom.map { CivilDay.text(of: $0 / 1_000_000) } ?? "", type: "date"),
            .input("to", t("clients_registered_to"), value: query.registeredBefore.map { CivilDay.text(of: $0 / 1_000_000 - 86_400) } ?? "", type: "date"),
        ], submit: t("filter"), reset: (href: "/admin/clients", label: t("reset_filters")))
        let table = PageTable(name: "clients", columns: [PageColumn(t("col_client_name")), PageColumn(t("col_status")), PageColumn(t("clients_col_accounts")),
                                                         PageColumn(t("col_partner")), PageColumn(t("clients_col_registered"))],
                              rows: rows, empty: t("clients_none"), pager: after == nil && older == nil ? nil : PagePager(newer: after == nil ? nil : (href: "/admin/clients?\(base)", label: t("newest")), older: older),
                              export: (href: "/admin/clients/export.csv\(base.isEmpty ? "" : "?" + base)", label: t("download_csv")))
        return renderer.sections(t("nav_clients"), surface: .admin, context: context, [PageSection(table: table, filters: filters)])
    }

    /// The filtered list, every page of it, as CSV.
    func export(_ request: Request, _ context: AppContext) async throws -> Response {
        let (query, _) = try await query(request)
        var lines = ["id,name,email,status,registered"]
        var after: (Int64, String)?
        while true {
            let position = after
            let page = try await services.web.db.read { sql in try await UserDirectory.clients(query, after: position, limit: 1_000, on: sql) }
            for user in page {
                lines.append([user.id.rawValue, user.displayName, user.email, user.status, user.createdAt.map { CivilDay.text(of: $0 / 1_000_000) } ?? ""]
                    .map(Self.csvField).joined(separator: ","))
            }
            guard page.count == 1_000, let last = page.last else { break }
            after = (last.createdAt ?? 0, last.id.rawValue)
        }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"clients.csv\""],
                        body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
    }

    /// A CSV field, quoted when it must be, and never read as a formula by a spreadsheet.
    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `after=CREATED_ID` of a keyset page.
    static func cursor(_ request: Request) throws -> (Int64, String)? {
        guard let text = request.uri.queryParameters.get("after").map({ String($0) }), !text.isEmpty else { return nil }
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let created = Int64(parts[0]) else { throw UserFacingError(.badRequest, "after: a position from the list's own links") }
        return (created, String(parts[1]))
    }

    /// The request's query without some parameters, for paging and export links.
    static func queryString(_ request: Request, dropping: Set<String>) -> String {
        request.uri.queryParameters.filter { !dropping.contains(String($0.key)) && !$0.value.isEmpty }
            .map { "\(QueryText.escaped(String($0.key)))=\(QueryText.escaped(String($0.value)))" }.sorted().joined(separator: "&")
    }

    /// The partner each of these clients is attributed to now.
    func partnerOfClients(_ ids: [String]) async throws -> [String: PartnerID] {
        var result: [String: PartnerID] = [:]
        for attribution in try await services.partners.attributions.attributions(of: .client, ids: ids, at: services.web.clock.nowMicros()) {
            result[attribution.subjectID] = attribution.partnerID
        }
        return result
    }

    static func statusBadge(_ status: String, _ t: (String) -> String) -> Badge {
        Badge(t("user_status_\(status)"), tone: status == "active" ? .ok : status == "invited" ? .info : .neutral)
    }
}
