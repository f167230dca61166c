import BrokerCore
import Foundation
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

    static func load(_ record: TradingAccountRecord, trading: TradingServices) async throws -> TradingAccountView {
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

    func facts(_ t: (String) -> String) -> [(label: String, value: String, name: String)] {
        let currency = record.currency
        var facts: [(label: String, value: String, name: String)] = [
            (t("account_login"), "\(record.login)", "login"), (t("account_server"), record.serverID.rawValue, "server"),
            (t("account_currency"), currency, "currency"), (t("account_leverage"), TradingFormat.leverage(state?.leverage ?? record.leverage), "leverage"),
            (t("account_status"), record.status.rawValue + (record.tradingEnabled ? "" : " · " + t("trading_disabled")), "status"),
        ]
        if let state {
            facts += [
                (t("account_balance"), TradingFormat.amount(state.balance, currency), "balance"),
                (t("account_credit"), TradingFormat.amount(state.credit, currency), "credit"),
                (t("account_equity"), TradingFormat.amount(state.equity, currency), "equity"),
                (t("account_margin"), TradingFormat.amount(state.margin, currency), "margin"),
                (t("account_free_margin"), TradingFormat.amount(state.freeMargin, currency), "free_margin"),
            ]
        }
        if let serverError { facts.append((t("server_unavailable"), serverError, "server_error")) }
        if !record.lastError.isEmpty { facts.append((t("last_error"), record.lastError, "last_error")) }
        return facts
    }

    func positionsTable(_ t: (String) -> String) -> PageTable {
        PageTable(name: "positions", columns: [t("col_position"), t("col_symbol"), t("col_type"), t("col_volume"), t("col_open_price"),
                                               t("col_current_price"), t("col_swap"), t("col_profit"), t("col_opened")],
                  rows: positions.map { position in
                      ([String(position.positionID), position.symbol, TradingFormat.action(position.action), TradingFormat.lots(position.volume),
                        position.openPrice.description, position.currentPrice.description, TradingFormat.amount(position.swap, record.currency),
                        TradingFormat.amount(position.profit, record.currency), Timestamps.iso(position.openedAt)], nil)
                  }, empty: t("no_positions"))
    }

    func dealsTable(_ t: (String) -> String) -> PageTable {
        PageTable(name: "deals", columns: [t("col_deal"), t("col_time"), t("col_type"), t("col_entry"), t("col_symbol"), t("col_volume"),
                                           t("col_price"), t("col_commission"), t("col_swap"), t("col_profit"), t("col_comment")],
                  rows: deals.map { deal in
                      let trade = deal.action.isTrade
                      return ([String(deal.ticket), Timestamps.iso(deal.time), TradingFormat.action(deal.action),
                               trade ? TradingFormat.entry(deal.entry) : "", deal.symbol, trade ? TradingFormat.lots(deal.volume) : "",
                               trade ? deal.price.description : "", TradingFormat.amount(deal.commission, record.currency),
                               TradingFormat.amount(deal.swap, record.currency), TradingFormat.amount(deal.profit, record.currency), deal.comment], nil)
                  }, empty: t("no_deals"))
    }

    func operationsTable(_ t: (String) -> String) -> PageTable {
        PageTable(name: "operations", columns: [t("col_operation"), t("col_time"), t("col_type"), t("col_amount"), t("col_status"), t("col_deal"), t("col_note")],
                  rows: operations.map { operation in
                      ([operation.id, Timestamps.iso(operation.createdAt), operation.kind.rawValue,
                        TradingFormat.minor(operation.amount, operation.currency), operation.status.rawValue,
                        operation.dealTicket == 0 ? "" : String(operation.dealTicket), operation.lastError], nil)
                  }, empty: t("no_operations"))
    }
}
