import BrokerCore

/// MT5's deal types and entries by their catalogue keys: every page that lists deals
/// names them the same way, in the reader's language.
package enum DealLabels {
    package static func action(_ action: DealAction) -> String {
        switch action {
        case .buy: "deal_buy"
        case .sell: "deal_sell"
        case .balance: "deal_balance"
        case .credit: "deal_credit"
        case .charge: "deal_charge"
        case .correction: "deal_correction"
        case .bonus: "deal_bonus"
        case .commission, .commissionDaily, .commissionMonthly: "deal_commission"
        case .agentCommissionDaily, .agentCommissionMonthly, .agent: "deal_agent_commission"
        case .interest: "deal_interest"
        case .buyCanceled: "deal_buy_cancelled"
        case .sellCanceled: "deal_sell_cancelled"
        case .dividend, .dividendFranked: "deal_dividend"
        case .tax: "deal_tax"
        case .stopOutCompensation, .stopOutCompensationCredit: "deal_stop_out_compensation"
        }
    }

    package static func entry(_ entry: DealEntry) -> String {
        switch entry {
        case .entryIn: "entry_in"
        case .entryOut: "entry_out"
        case .inOut: "entry_reverse"
        case .outBy: "entry_close_by"
        }
    }
}
