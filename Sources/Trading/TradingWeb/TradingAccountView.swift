import BrokerCore
import Foundation
import Money
import Platform
import WebKit
import Trading

/// One trading account as both the trader's room and the back office show it:
/// Pipstack's record, the server's live figures, open positions, deals and
/// balance operations. The server being unreachable is shown, not fatal.
struct TradingAccountView {
    let record: TradingAccountRecord
    let state: TradingAccountState?
    let positions: [OpenPosition]
    let deals: [TradeDeal]
    let operations: [BalanceOperationRecord]
    let serverError: String?
    /// The trade server's name as the broker calls it.
    var serverName: String? = nil

    static func load(_ record: TradingAccountRecord, trading: TradingServices) async throws -> TradingAccountView {
        var view = try await loadFigures(record, trading: trading)
        view.serverName = try await trading.servers.server(record.serverID)?.name
        return view
    }

    private static func loadFigures(_ record: TradingAccountRecord, trading: TradingServices) async throws -> TradingAccountView {
        let deals = try await trading.deals.deals(serverID: record.serverID, login: record.login, limit: 200)
        let operations = try await trading.operations.operations(serverID: record.serverID, login: record.login, limit: 100)
        guard record.status == .active else {
            return TradingAccountView(record: record, state: nil, positions: [], deals: deals, operations: operations, serverError: nil)
        }
        do {
            let platform = try await trading.platforms.platform(for: record.serverID)
            let state = try await platform.account(record.login)
            let positions = try await platform.positions(logins: [record.login])
            return TradingAccountView(record: record, state: state, positions: positions, deals: deals, operations: operations, serverError: nil)
        } catch {
            return TradingAccountView(record: record, state: nil, positions: [], deals: deals, operations: operations, serverError: "\(error)")
        }
    }

    func facts(_ t: (String) -> String, _ format: PageFormat) -> [(label: String, value: String, name: String)] {
        let currency = record.currency
        let money = { (amount: PlatformAmount) in TradingFormat.money(amount, currency).map(format.money) ?? "\(amount) \(currency)" }
        var facts: [(label: String, value: String, name: String)] = [
            (t("account_login"), "\(record.login)", "login"), (t("account_server"), serverName ?? record.serverID.rawValue, "server"),
            (t("account_currency"), currency, "currency"), (t("account_leverage"), TradingFormat.leverage(state?.leverage ?? record.leverage), "leverage"),
            (t("account_status"), t("status_\(record.status.rawValue)") + (record.tradingEnabled ? "" : " · " + t("trading_disabled")), "status"),
        ]
        if let state {
            facts += [
                (t("account_balance"), money(state.balance), "balance"),
                (t("account_credit"), money(state.credit), "credit"),
                (t("account_equity"), money(state.equity), "equity"),
                (t("account_margin"), money(state.margin), "margin"),
                (t("account_free_margin"), money(state.freeMargin), "free_margin"),
            ]
        }
        if serverError != nil { facts.append((t("server_unavailable"), t("server_unavailable_detail"), "server_error")) }
        if !record.lastError.isEmpty { facts.append((t("last_error"), record.lastError, "last_error")) }
        return facts
    }

    /// An amount on the trade server in the account's currency, as money.
    func money(_ amount: PlatformAmount) -> PageCell {
        TradingFormat.money(amount, record.currency).map { .money($0) } ?? .code("\(amount) \(record.currency)")
    }

    func positionsTable(_ t: (String) -> String) -> PageTable {
        PageTable(name: "positions", columns: [PageColumn(t("col_position")), PageColumn(t("col_symbol")), PageColumn(t("col_type")),
                                               PageColumn(t("col_volume")), PageColumn(t("col_open_price")), PageColumn(t("col_current_price")),
                                               PageColumn(t("col_swap")), PageColumn(t("col_profit")), PageColumn(t("col_opened"))],
                  rows: positions.map { position in
                      PageRow(cells: [.code(String(position.positionID)), .code(position.symbol), .text(t(DealLabels.action(position.action))),
                                      TradingFormat.lots(position.volume), TradingFormat.price(position.openPrice), TradingFormat.price(position.currentPrice),
                                      money(position.swap), money(position.profit), .time(position.openedAt)])
                  }, empty: t("no_positions"))
    }

    func dealsTable(_ t: (String) -> String) -> PageTable {
        PageTable(name: "deals", columns: [PageColumn(t("col_deal")), PageColumn(t("col_time")), PageColumn(t("col_type")), PageColumn(t("col_entry")),
                                           PageColumn(t("col_symbol")), PageColumn(t("col_volume")), PageColumn(t("col_price")),
                                           PageColumn(t("col_commission")), PageColumn(t("col_swap")), PageColumn(t("col_profit")), PageColumn(t("col_comment"))],
                  rows: deals.map { deal in
                      let trade = deal.action.isTrade
                      return PageRow(cells: [.code(String(deal.ticket)), .time(deal.time), .text(t(DealLabels.action(deal.action))),
                                             trade ? .text(t(DealLabels.entry(deal.entry))) : .empty, deal.symbol.isEmpty ? .empty : .code(deal.symbol),
                                             trade ? TradingFormat.lots(deal.volume) : .empty, trade ? TradingFormat.price(deal.price) : .empty,
                                             money(deal.commission), money(deal.swap), money(deal.profit), deal.comment.isEmpty ? .empty : .code(deal.comment)])
                  }, empty: t("no_deals"))
    }

    func operationsTable(_ t: (String) -> String) -> PageTable {
        let tones: [BalanceOperationRecord.Status: Badge.Tone] = [.pending: .info, .sending: .info, .done: .ok, .failed: .bad]
        return PageTable(name: "operations", columns: [PageColumn(t("col_operation")), PageColumn(t("col_time")), PageColumn(t("col_type")),
                                                       PageColumn(t("col_amount")), PageColumn(t("col_status")), PageColumn(t("col_deal")), PageColumn(t("col_note"))],
                         rows: operations.map { operation in
                             PageRow(cells: [.code(operation.id), .time(operation.createdAt), .text(t("operation_kind_\(operation.kind.rawValue)")),
                                             Currency(code: operation.currency).map { .money(Money(minorUnits: operation.amount, currency: $0)) } ?? .number(operation.amount),
                                             .badge(Badge(t("operation_status_\(operation.status.rawValue)"), tone: tones[operation.status] ?? .neutral)),
                                             operation.dealTicket == 0 ? .empty : .code(String(operation.dealTicket)),
                                             operation.lastError.isEmpty ? .empty : .text(t(TradingFormat.refusalKey(operation.lastError)))])
                         }, empty: t("no_operations"))
    }
}
