import BrokerCore
import Charts
import Foundation
import Hummingbird
import Identity
import LedgerCore
import Money
import SQLKit
import Platform
import WebKit

/// The home page of each surface: it gathers figures from every slice, so it lives
/// with the composition root.
struct HomePages: WebSlice {
    let services: AppServices

    static let permissions: [RoutePermission] = [
        .init(.get, "/", RoutePermission.everyone),
        .init(.get, "/admin", RoutePermission.allStaff),
        .init(.get, "/portal", [.trader]),
        .init(.get, "/partners", [.partner]),
        .init(.get, "/api/v1/openapi.json", RoutePermission.everyone),
    ]

    static let menu = Surface.allCases.map { MenuItem($0, $0.basePath, label: "nav_home", rank: 0) }

    func register(_ routes: SecuredRoutes) {
        HomeRoutes(services: services, renderer: routes.renderer).register(routes)
        // The API's description covers every slice's routes.
        routes.get("/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}

struct HomeRoutes {
    let services: AppServices
    let renderer: PageRenderer
    let figures: AdminHomeFigures

    init(services: AppServices, renderer: PageRenderer) {
        self.services = services
        self.renderer = renderer
        figures = AdminHomeFigures(services: services)
    }

    func register(_ routes: SecuredRoutes) {
        routes.get("/") { _, _ in self.renderer.redirect("/portal") }
        routes.get("/admin") { request, context in try await self.adminHome(request, context) }
        routes.get("/portal") { _, context in try await self.portalHome(context) }
        routes.get("/partners") { _, context in try await self.partnerHome(context) }
    }

    func text(_ key: String, _ context: AppContext) -> String { renderer.text(key, context) }

    /// The back-office home, of every brand or of the one `?brand=` names.
    func adminHome(_ request: Request, _ context: AppContext) async throws -> Response {
        let t = { (key: String) in self.text(key, context) }
        let brands = await services.brands.directory().brands.sorted { $0.name < $1.name }
        var brand: Brand?
        if let id = QueryParameters.text(request, "brand") {
            guard let named = brands.first(where: { $0.id.rawValue == id }) else {
                throw UserFacingError(.badRequest, "brand: no brand \(id.prefix(64))")
            }
            brand = named
        }
        let taken = try await figures.figures(brand: brand?.id)
        let users = taken.users
        let now = services.clock.nowMicros()
        let awaiting = try await services.payouts.payouts(status: .awaitingApproval).count
        let latestRun = try await services.trading.reconciler.runs(limit: 1).first
        var openItems = 0
        if let latestRun { openItems = try await services.trading.reconciler.items(runID: latestRun.id, openOnly: true).count }
        let format = renderer.format(context)
        let figures: [(key: String, value: Int64, href: String)] = [
            ("tile_clients", users[.trader] ?? 0, "/admin/clients"), ("tile_partners", taken.partners, "/admin/partners"),
            ("tile_trading_accounts", taken.accounts.active, "/admin/trading-accounts"), ("tile_new_accounts", taken.accounts.new, "/admin/trading-accounts"),
            ("tile_open_reconciliation", Int64(openItems), "/admin/reconciliation?open=1"),
            ("tile_payouts_awaiting", Int64(awaiting), "/admin/payouts?status=awaiting_approval"),
            ("tile_jobs_waiting", Int64(taken.jobs[.pending] ?? 0), "/admin/jobs"), ("tile_jobs_dead", Int64(taken.jobs[.dead] ?? 0), "/admin/jobs?status=dead"),
            ("tile_staff", users[.staff] ?? 0, "/admin/users"), ("tile_ledger_transactions", taken.ledgerTransactions, "/admin/ledger"),
            ("tile_audit_events", taken.auditEvents, "/admin/audit"),
        ]
        let tiles: [[String: Any]] = figures.map { figure in
            // A figure links to its page for those who may open it.
            let page = String(figure.href.split(separator: "?").first ?? "")
            return ["label": t(figure.key), "value": format.number(figure.value), "name": figure.key,
                    "href": renderer.allows(context.principal, .get, page) ? figure.href : false]
        }
        // The last 30 days, by UTC day: commissions and the lots referred clients traded.
        let days = taken.days
        let daily = taken.commissions
        let labels = days.map { format.shortDay($0) }
        let commissions = Chart(kind: .bar, title: t("chart_commissions_30"), summary: t("chart_commissions_30_summary"), categories: labels,
                                series: [ChartSeries(name: t("nav_commissions"), values: days.map { Accrual(units: daily[$0]?.amount ?? 0, currency: .usd).rounded().money.minorUnits })],
                                valueLabel: { format.money(Money(minorUnits: $0, currency: .usd)) })
        let lots = Chart(kind: .line, title: t("chart_lots_30"), summary: t("chart_lots_30_summary"), categories: labels,
                         series: [ChartSeries(name: t("lots"), values: days.map { (daily[$0]?.lots ?? 0) / 1_000_000 })],
                         valueLabel: { format.number($0, scale: 2, minimumDecimals: 2) })
        let opened = taken.opened
        let newAccounts = Chart(kind: .bar, title: t("chart_new_accounts_30"), summary: t("chart_new_accounts_30_summary"), categories: labels,
                                series: [ChartSeries(name: t("chart_series_new_accounts"), values: days.map { opened[$0] ?? 0 })],
                                valueLabel: { format.number($0) })
        let traded = taken.traded
        let active = Chart(kind: .line, title: t("chart_active_30"), summary: t("chart_active_30_summary"), categories: labels,
                           series: [ChartSeries(name: t("chart_series_active_accounts"), values: days.map { traded[$0] ?? 0 })],
                           valueLabel: { format.number($0) })
        let charts = [PageChart(id: "active-accounts", chart: active, tableLabel: t("chart_numbers")).data,
                      PageChart(id: "commissions", chart: commissions, tableLabel: t("chart_numbers")).data,
                      PageChart(id: "lots", chart: lots, tableLabel: t("chart_numbers")).data,
                      PageChart(id: "new-accounts", chart: newAccounts, tableLabel: t("chart_numbers")).data]
        // Each trade server's deal sync: how far it has read and how long ago.
        var serverRows: [PageRow] = []
        for server in try await services.trading.servers.all() {
            let state = try await services.trading.deals.syncState(of: server.id)
            let lag = state.map { max(0, now / 1_000_000 - $0.cursorTime) }
            let tone: Badge.Tone = !server.enabled ? .neutral : (state?.lastError.isEmpty == false ? .bad : (lag ?? Int64.max) > 300 ? .warn : .ok)
            let status = !server.enabled ? t("server_disabled") : tone == .bad ? t("sync_failing") : tone == .warn ? t("sync_behind") : t("sync_current")
            serverRows.append(PageRow(cells: [.text(server.name), .badge(Badge(status, tone: tone)), state.map { .number($0.dealsStored) } ?? .empty,
                                              state.map { .time($0.cursorTime * 1_000_000) } ?? .text(t("server_not_synced")),
                                              lag.map { .text("\(format.number($0)) s") } ?? .empty,
                                              (state?.lastError ?? "").isEmpty ? .empty : .code(state?.lastError ?? "")],
                                      link: (href: "/admin/trade-servers/\(server.id)", label: t("open_details"))))
        }
        let servers = PageTable(name: "sync", columns: [PageColumn(t("server_col_name")), PageColumn(t("col_status")),
                                                                                 PageColumn(t("server_col_deals")), PageColumn(t("server_col_synced_to")),
                                                                                 PageColumn(t("home_sync_lag")), PageColumn(t("server_col_last_error"))],
                                rows: serverRows, empty: t("servers_none"))
        var notes: [String] = []
        if services.settings.demo { notes.append(t("demo_mode")) }
        // A pipeline that stopped on a broken invariant waits for a person: say so first.
        let stopped = await services.health.stopped.map { ["pipeline": $0.pipeline, "reason": $0.reason] }
        let filters = PageFilters(fields: [
            .select("brand", t("col_brand"), options: [("", t("home_all_brands"))] + brands.map { ($0.id.rawValue, $0.name) }, selected: brand?.id.rawValue ?? ""),
        ], submit: t("home_show_brand"), reset: nil)
        return renderer.render("home", title: brand.map { "\(t("admin_home")): \($0.name)" } ?? t("admin_home"), surface: .admin, context: context,
                               data: ["tiles": tiles, "filters": filters.data, "notes": notes, "hasNotes": !notes.isEmpty, "stopped": stopped, "hasStopped": !stopped.isEmpty,
                                      "taken": t("home_figures_taken").replacingOccurrences(of: "{time}", with: format.time(taken.takenAt))
                                          .replacingOccurrences(of: "{seconds}", with: format.number(self.figures.freshForSeconds)),
                                      "charts": charts, "servers": servers.data(format), "serversHeading": t("home_sync")])
    }

    /// The trader's room: the wallet, each account with its balance and equity, and
    /// what happened lately (transfers and deals).
    func portalHome(_ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        let t = { (key: String) in self.text(key, context) }
        let format = renderer.format(context)
        let balances = try await walletBalances(owner: user.id.rawValue, kind: .clientWallet, context)
        let tiles: [[String: Any]] = [["label": t("tile_wallet"), "value": balances.isEmpty ? format.money(Money(minorUnits: 0, currency: .usd)) : balances.joined(separator: " · "),
                                       "name": "tile_wallet", "href": "/portal/accounts"]]
        let accounts = try await services.trading.accounts.accounts(ofUser: user.id.rawValue).filter { $0.status == .active }
        var rows: [PageRow] = []
        var activity: [(time: Int64, row: PageRow)] = []
        for account in accounts {
            let currency = Currency(code: account.currency) ?? .usd
            let money = { (amount: PlatformAmount) -> PageCell in .money(amount.rounded(in: currency)) }
            let state = try? await services.trading.platforms.platform(for: account.serverID).account(account.login)
            rows.append(PageRow(cells: [.code("\(account.login)"), state.map { money($0.balance) } ?? .empty, state.map { money($0.equity) } ?? .empty,
                                        .text("1:\(account.leverage)")],
                                link: (href: "/portal/accounts/\(account.serverID)/\(account.login)", label: t("open_details"))))
            for deal in try await services.trading.deals.deals(serverID: account.serverID, login: account.login, limit: 10) where deal.action.isTrade {
                activity.append((deal.time, PageRow(cells: [.time(deal.time), .code("\(account.login)"), .text(t(DealLabels.action(deal.action))),
                                                            .code(deal.symbol), money(deal.profit)])))
            }
        }
        let recent = activity.sorted { $0.time > $1.time }.prefix(10).map(\.row)
        let accountsTable = PageTable(name: "home-accounts", columns: [PageColumn(t("account_login")), PageColumn(t("account_balance")),
                                                                       PageColumn(t("account_equity")), PageColumn(t("account_leverage"))],
                                      rows: rows, empty: t("no_accounts"))
        let activityTable = PageTable(name: "activity", columns: [PageColumn(t("col_time")), PageColumn(t("account_login")), PageColumn(t("col_type")),
                                                                  PageColumn(t("col_symbol")), PageColumn(t("col_profit"))],
                                      rows: Array(recent), empty: t("no_deals"))
        return renderer.render("home", title: t("portal_home"), surface: .portal, context: context, data: [
            "tiles": tiles, "blocks": [["heading": t("nav_accounts"), "table": accountsTable.data(format)],
                                       ["heading": t("home_recent_activity"), "table": activityTable.data(format)]],
        ])
    }

    /// The partner portal: what is payable and when it is paid, earnings per day, the
    /// clients, lots and CPA of the last 30 days, and the sub-partners who earn most.
    func partnerHome(_ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/partners/login") }
        let t = { (key: String) in self.text(key, context) }
        let format = renderer.format(context)
        // Commissions are payable to the partner record the user is.
        let partner = try await services.partners.partners.partner(userID: user.id.rawValue)
        let owner = partner?.id.rawValue ?? user.id.rawValue
        let balances = try await walletBalances(owner: owner, kind: .ibCommissionPayable, context)
        var tiles: [[String: Any]] = [["label": t("tile_earnings"), "value": balances.isEmpty ? format.money(Money(minorUnits: 0, currency: .usd)) : balances.joined(separator: " · "),
                                       "name": "tile_earnings", "href": "/partners/payouts"]]
        var charts: [[String: Any]] = []
        var blocks: [[String: Any]] = []
        if let partner {
            let now = services.clock.nowMicros()
            let today = now / 86_400_000_000 * 86_400_000_000
            let days = (0..<30).map { today - Int64(29 - $0) * 86_400_000_000 }
            let daily = try await services.commissions.reports.daily(from: days[0], to: today + 86_400_000_000, partner: partner.id)
            let earned = Dictionary(grouping: daily, by: \.day).mapValues { $0.reduce(0) { $0 + $1.amount } }
            let lots = daily.filter { $0.level == 1 }.reduce(into: [Int64: Int64]()) { $0[$1.day] = max($0[$1.day] ?? 0, $1.lots) }.values.reduce(0, +)
            let clients = try await services.partners.attributions.clientCount(of: partner.id, at: now)
            let cpa = try await services.cpa.decisions(of: partner.id).filter { $0.status == .qualified && $0.decidedAt >= days[0] }
            let settings = try await services.payouts.settings(of: partner.id)
            let next: String = settings.map { settings in
                settings.schedule == .realtime ? t("payout_realtime") : format.day(settings.schedule.period(containing: now).end)
            } ?? t("payout_next_unset")
            tiles += [
                ["label": t("home_next_payout"), "value": next, "name": "next_payout"],
                ["label": t("home_earned_30"), "value": format.money(Accrual(units: earned.values.reduce(0, +), currency: .usd).rounded().money), "name": "earned_30"],
                ["label": t("home_active_clients"), "value": format.number(Int64(clients)), "name": "clients", "href": "/partners/network"],
                ["label": t("client_lots_30"), "value": format.number(lots, scale: 8, minimumDecimals: 2), "name": "lots"],
                ["label": t("home_cpa_30"), "value": "\(format.number(Int64(cpa.count))) · \(format.money(Money(minorUnits: cpa.reduce(0) { $0 + $1.amount }, currency: .usd)))",
                 "name": "cpa"],
            ]
            let chart = Chart(kind: .bar, title: t("chart_earnings_30"), summary: t("chart_earnings_30_summary"), categories: days.map { format.shortDay($0) },
                              series: [ChartSeries(name: t("nav_commissions"), values: days.map { Accrual(units: earned[$0] ?? 0, currency: .usd).rounded().money.minorUnits })],
                              valueLabel: { format.money(Money(minorUnits: $0, currency: .usd)) })
            charts.append(PageChart(id: "earnings", chart: chart, tableLabel: t("chart_numbers")).data)
            // Sub-partners by what they earned themselves over 30 days.
            let below = try await services.partners.partners.subtree(of: partner.id).filter { $0.partner != partner.id }
            let all = Dictionary(try await services.partners.partners.partners(Set(below.map(\.partner))).map { ($0.id, $0.name) },
                                 uniquingKeysWith: { first, _ in first })
            var subs: [(name: String, amount: Int64)] = []
            for entry in below {
                let total = try await services.commissions.reports.totals(from: days[0], to: today + 86_400_000_000, partner: entry.partner).reduce(0) { $0 + $1.amount }
                subs.append((all[entry.partner] ?? entry.partner.rawValue, total))
            }
            let top = subs.sorted { $0.amount > $1.amount }.prefix(5)
            blocks.append(["heading": t("home_top_subs"), "table": PageTable(name: "top-subs", columns: [PageColumn(t("col_partner")), PageColumn(t("home_earned_30"))],
                                                                             rows: top.map { PageRow(cells: [.text($0.name), .money(Accrual(units: $0.amount, currency: .usd).rounded().money)]) },
                                                                             empty: t("no_sub_partners")).data(format)])
        }
        // Payouts wait until the partner agreement is accepted.
        let pending = partner.map { $0.agreementAcceptedAt == 0 } ?? false
        let notes = pending ? [t("agreement_pending")] : []
        let links = pending ? [["href": "/partners/agreement", "id": "agreement-link", "label": t("agreement_title")]] : []
        return renderer.render("home", title: t("partners_home"), surface: .partners, context: context,
                               data: ["tiles": tiles, "notes": notes, "hasNotes": !notes.isEmpty, "links": links, "charts": charts, "blocks": blocks])
    }

    /// The owner's balances on accounts of one kind, formatted per currency.
    /// Ledger balances are positive when the account holds money for its owner.
    func walletBalances(owner: String, kind: LedgerAccountKind, _ context: AppContext) async throws -> [String] {
        try await services.ledger.accounts(of: kind, owner: owner).compactMap { account in
            guard let parsed = try? LedgerAccount(code: account.code), parsed.owner == owner, parsed.kind == kind else { return nil }
            return renderer.format(context).money(Money(minorUnits: account.balance, currency: parsed.currency))
        }
    }
}
