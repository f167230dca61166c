import BrokerCore
import Commissions
import Foundation
import Hummingbird
import Identity
import Ledger
import LedgerCore
import Money
import Partners
import Payments
import PaymentsWeb
import Platform
import Trading
import WebKit

/// One client's page: a tab per view, each a page of its own (links, no script).
extension ClientRoutes {
    static let tabs = ["overview", "accounts", "wallet", "deals", "partner", "timeline"]

    func profile(_ id: UserID, tab: String, _ context: AppContext) async throws -> Response {
        let t = t(context)
        guard Self.tabs.contains(tab) else { throw UserFacingError(.badRequest, "tab: one of \(Self.tabs.joined(separator: ", "))") }
        guard let client = try await services.web.identity.user(id: id), client.kind == .trader else { throw UserFacingError(.notFound, t("not_found")) }
        let accounts = try await services.trading.accounts.accounts(ofUser: id.rawValue)
        var header = PageSection()
        header.tabs = Self.tabs.map { (href: "/admin/clients/\(id)?tab=\($0)", label: t("client_tab_\($0)"), current: $0 == tab) }
        header.facts = [(t("user_field_email"), client.email, "email"), (t("col_status"), Self.statusBadge(client.status, t).label, "status")]
        let body: [PageSection] = switch tab {
        case "accounts": try await accountsTab(accounts, t)
        case "wallet": try await walletTab(client, t)
        case "deals": try await dealsTab(accounts, t)
        case "partner": try await partnerTab(client, t)
        case "timeline": try await timelineTab(client, accounts, t)
        default: try await overviewTab(client, accounts, t, renderer.format(context))
        }
        return renderer.sections(client.displayName, surface: .admin, context: context, [header] + body)
    }

    /// Money in and out, net, balance and equity across accounts, lots and P&L over 30 days.
    func overviewTab(_ client: User, _ accounts: [TradingAccountRecord], _ t: (String) -> String, _ format: PageFormat) async throws -> [PageSection] {
        let wallet = LedgerAccount(kind: .clientWallet, owner: client.id.rawValue, currency: .usd)
        let flows = try await services.ledger.flows(of: wallet)
        let held = try await services.ledger.balance(of: wallet)
        let now = services.web.clock.nowMicros()
        var balance: Int64 = 0, lots: Int64 = 0, profit: Int64 = 0
        for account in accounts where account.status == .active && account.currency == "USD" {
            let key = TradingAccountKey(server: account.serverID, login: account.login)
            balance += try await DealHistory(db: services.web.db).totals(account: key, before: now).balance
            let trades = try await services.web.db.read { sql in
                try await DealHistory.tradeTotals(account: key, from: now - 30 * 86_400_000_000, to: now, byVolume: true, on: sql)
            }
            profit += trades.result
            lots += trades.volumes.reduce(0) { $0 + $1.1 }
        }
        let money = { (units: Int64) in PageCell.money(Money(minorUnits: units, currency: .usd)) }
        let platformMoney = { (units: Int64) -> PageCell in .money(PlatformAmount(units: units).rounded(in: .usd)) }
        return [
            PageSection(id: "money", heading: t("client_money"), tiles: [
                PageTile(t("client_money_in"), money(flows.in), name: "money-in"), PageTile(t("client_money_out"), money(flows.out), name: "money-out"),
                PageTile(t("client_net"), money(flows.in - flows.out), name: "net"), PageTile(t("wallet_balance"), money(held), name: "wallet"),
            ]),
            PageSection(id: "trading", heading: t("client_trading_30"), tiles: [
                PageTile(t("client_accounts_balance"), platformMoney(balance), name: "balance"),
                PageTile(t("client_lots_30"), .number(lots, scale: 8, minimumDecimals: 2), name: "lots"),
                PageTile(t("client_pnl"), platformMoney(profit), name: "pnl"),
                PageTile(t("clients_col_accounts"), .number(Int64(accounts.filter { $0.status == .active }.count)), name: "accounts"),
            ]),
        ]
    }

    func accountsTab(_ accounts: [TradingAccountRecord], _ t: (String) -> String) async throws -> [PageSection] {
        let types = Dictionary(try await services.trading.types.all().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return [PageSection(table: PageTable(name: "accounts", columns: [PageColumn(t("account_login")), PageColumn(t("account_server")),
                                                                        PageColumn(t("col_account_type")), PageColumn(t("account_currency")),
                                                                        PageColumn(t("account_leverage")), PageColumn(t("col_status")), PageColumn(t("col_opened_at"))],
                                             rows: accounts.map { account in
                                                 PageRow(cells: [.code("\(account.login)"), .code(account.serverID.rawValue), .text(types[account.accountTypeID] ?? account.accountTypeID),
                                                                 .text(account.currency), .text("1:\(account.leverage)"),
                                                                 .badge(Badge(t("status_\(account.status.rawValue)"), tone: account.status == .active ? .ok : .neutral)),
                                                                 .time(account.createdAt)],
                                                         link: (href: "/admin/trading-accounts/\(account.serverID)/\(account.login)", label: t("open_details")))
                                             }, empty: t("no_accounts")))]
    }

    func walletTab(_ client: User, _ t: (String) -> String) async throws -> [PageSection] {
        let wallet = LedgerAccount(kind: .clientWallet, owner: client.id.rawValue, currency: .usd)
        let statement = try await services.ledger.statement(of: wallet, limit: 100)
        return [PageSection(id: "wallet", table: PageTable(
            name: "wallet", columns: [PageColumn(t("col_time")), PageColumn(t("ledger_col_posting_kind")), PageColumn(t("col_amount")), PageColumn(t("ledger_col_balance_after"))],
            rows: statement.postings.map { posting in
                let key = "ledger_tx_\(posting.kind)", name = t(key)
                return PageRow(cells: [.time(posting.occurredAt), name == key ? .code(posting.kind) : .text(name), .money(Money(minorUnits: posting.amount, currency: .usd)),
                                .money(Money(minorUnits: posting.balanceAfter, currency: .usd))])
            }, empty: t("nothing_yet")),
            more: (href: "/admin/ledger/statement?account=\(QueryText.escaped(wallet.code))", label: t("client_full_statement"))),
            PageSection(id: "deposits", heading: t("nav_deposits"), table: PageTable(
                name: "client-deposits", columns: [PageColumn(t("col_time")), PageColumn(t("col_amount")), PageColumn(t("col_status"))],
                rows: try await services.payments.deposits.deposits(of: client.id).map { deposit in
                    PageRow(cells: [.time(deposit.createdAt), .money(deposit.amount), .badge(DepositBadge.badge(deposit.state, t))],
                            link: (href: "/admin/payments/deposits/\(deposit.id)", label: t("open_details")))
                }, empty: t("deposits_none")))]
    }

    func dealsTab(_ accounts: [TradingAccountRecord], _ t: (String) -> String) async throws -> [PageSection] {
        var deals: [(account: TradingAccountRecord, deal: TradeDeal)] = []
        for account in accounts where account.status == .active {
            deals += try await services.trading.deals.deals(serverID: account.serverID, login: account.login, limit: 100).map { (account, $0) }
        }
        deals.sort { $0.deal.time > $1.deal.time }
        return [PageSection(intro: t("client_deals_intro"), table: PageTable(
            name: "deals", columns: [PageColumn(t("col_time")), PageColumn(t("account_login")), PageColumn(t("col_type")), PageColumn(t("col_symbol")),
                                     PageColumn(t("col_volume")), PageColumn(t("col_profit"))],
            rows: deals.prefix(100).map { item in
                let money = Currency(code: item.account.currency).map { PageCell.money(item.deal.profit.rounded(in: $0)) } ?? .empty
                return PageRow(cells: [.time(item.deal.time), .code("\(item.account.login)"), .text(t(DealLabels.action(item.deal.action))),
                                       item.deal.symbol.isEmpty ? .empty : .code(item.deal.symbol),
                                       item.deal.action.isTrade ? .number(item.deal.volume.units, scale: 8, minimumDecimals: 2) : .empty, money])
            }, empty: t("no_deals")))]
    }

    func partnerTab(_ client: User, _ t: (String) -> String) async throws -> [PageSection] {
        let now = services.web.clock.nowMicros()
        let attribution = try await services.partners.attributions.attributions(of: .client, ids: [client.id.rawValue], at: now).first
        let names = Dictionary(try await services.partners.partners.partners(Set(attribution.map { [$0.partnerID] } ?? [])).map { ($0.id, $0.name) },
                               uniquingKeysWith: { first, _ in first })
        var sections = [PageSection(id: "attribution", heading: t("client_partner"), facts: [
            (t("col_partner"), attribution.map { names[$0.partnerID] ?? $0.partnerID.rawValue } ?? t("none"), "partner"),
            (t("partner_col_excluded"), attribution.map { $0.excluded ? t("yes") : t("no") } ?? "—", "excluded"),
        ])]
        if let decision = try await services.commissions.cpa.decision(of: client.id.rawValue) {
            let currency = Currency(code: decision.currency) ?? .usd
            let format = { (minor: Int64) in Money(minorUnits: minor, currency: currency) }
            sections.append(PageSection(id: "cpa", heading: "CPA", table: PageTable(
                name: "cpa", columns: [PageColumn(t("col_status")), PageColumn(t("cpa_col_first_deposit")), PageColumn(t("cpa_col_paid")), PageColumn(t("cpa_col_decided"))],
                rows: [PageRow(cells: [.text(t("cpa_status_\(decision.status.rawValue)")), .money(format(decision.firstDeposit)),
                                       decision.status == .qualified ? .money(format(decision.amount)) : .empty, .time(decision.decidedAt)])])))
        } else {
            sections.append(PageSection(id: "cpa", heading: "CPA", intro: t("client_cpa_none")))
        }
        return sections
    }

    /// Every audited change to the client and its accounts, newest first, with the fields that changed.
    func timelineTab(_ client: User, _ accounts: [TradingAccountRecord], _ t: (String) -> String) async throws -> [PageSection] {
        var events = try await services.web.db.read { sql in try await AuditLog.recent(on: sql, limit: 100, entityType: "user", entityID: client.id.rawValue) }
        for account in accounts {
            events += try await services.web.db.read { sql in
                try await AuditLog.recent(on: sql, limit: 50, entityType: "trading_account", entityID: "\(account.serverID):\(account.login)")
            }
        }
        events.sort { $0.seq > $1.seq }
        let actors = try await services.web.actorNames(events.map(\.entry.actor))
        return [PageSection(id: "timeline", table: PageTable(
            name: "timeline", columns: [PageColumn(t("col_time")), PageColumn(t("audit_col_action")), PageColumn(t("audit_col_actor")), PageColumn(t("client_changes"))],
            rows: events.prefix(150).map { event in
                PageRow(cells: [.time(event.occurredAt), .text(t("audit_action_\(event.entry.action.replacingOccurrences(of: ".", with: "_"))"), sub: event.entry.entityID),
                                       actors[event.entry.actor].map { .text($0) } ?? .code(event.entry.actor),
                        AuditDiff.cell(before: event.entry.before, after: event.entry.after)])
            }, empty: t("nothing_yet")))]
    }
}
