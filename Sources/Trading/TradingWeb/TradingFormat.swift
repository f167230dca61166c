import BrokerCore
import Money
import Platform

/// How trading numbers read on pages: amounts in the account's currency, volumes
/// in lots without trailing zeros, times in UTC.
enum TradingFormat {
    static func amount(_ amount: PlatformAmount, _ currencyCode: String) -> String {
        if let currency = Currency(code: currencyCode), let money = amount.money(in: currency) { return money.description }
        return "\(amount) \(currencyCode)"
    }

    static func minor(_ units: Int64, _ currencyCode: String) -> String {
        guard let currency = Currency(code: currencyCode) else { return "\(units) \(currencyCode)" }
        return Money(minorUnits: units, currency: currency).description
    }

    static func lots(_ volume: Volume) -> String { FixedPoint.format(volume.units, scale: 8, minimumDecimals: 0) }

    static func leverage(_ value: Int) -> String { "1:\(value)" }

    static func action(_ action: DealAction) -> String {
        switch action {
        case .buy: "Buy"
        case .sell: "Sell"
        case .balance: "Balance"
        case .credit: "Credit"
        case .charge: "Charge"
        case .correction: "Correction"
        case .bonus: "Bonus"
        case .commission, .commissionDaily, .commissionMonthly: "Commission"
        case .agentCommissionDaily, .agentCommissionMonthly, .agent: "Agent commission"
        case .interest: "Interest"
        case .buyCanceled: "Buy (cancelled)"
        case .sellCanceled: "Sell (cancelled)"
        case .dividend, .dividendFranked: "Dividend"
        case .tax: "Tax"
        case .stopOutCompensation, .stopOutCompensationCredit: "Stop-out compensation"
        }
    }

    static func entry(_ entry: DealEntry) -> String {
        switch entry {
        case .entryIn: "In"
        case .entryOut: "Out"
        case .inOut: "Reverse"
        case .outBy: "Close by"
        }
    }
}
