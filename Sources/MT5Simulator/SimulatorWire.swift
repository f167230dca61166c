import BrokerCore
import Foundation
import Money

/// MT5 Web API answers as the simulator writes them: every number a JSON string.
enum SimulatorWire {
    typealias Fields = [String: String]

    static func answer(_ code: Int = 0, _ text: String = "Done", _ answer: Any? = nil, extra: Fields = [:]) -> Data {
        var top: [String: Any] = ["retcode": "\(code) \(text)"]
        for (key, value) in extra { top[key] = value }
        if let answer { top["answer"] = answer }
        return (try? JSONSerialization.data(withJSONObject: top, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func refusal(_ refusal: SimulatorRefusal) -> Data { answer(refusal.code, refusal.text) }

    /// A decimal without trailing zeros: "100", "-3.5", "1.08345".
    static func decimal(_ value: Int64, scale: Int) -> String {
        var text = FixedPoint.format(value, scale: scale)
        if scale > 0 {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    static func amount(_ units: Int64) -> String { decimal(units, scale: 8) }

    static func deal(_ deal: TradeDeal) -> Fields {
        [
            "Deal": String(deal.ticket), "ExternalID": deal.externalID, "Login": String(deal.login.value), "Dealer": "0",
            "Order": String(deal.order), "Action": String(deal.action.rawValue), "Entry": String(deal.entry.rawValue),
            "Reason": String(deal.reason), "Digits": String(deal.price.digits), "DigitsCurrency": "2",
            "ContractSize": decimal(deal.contractSize, scale: 8), "Time": String(deal.time / 1_000_000),
            "TimeMsc": String(deal.time / 1_000), "Symbol": deal.symbol, "Price": decimal(deal.price.points, scale: deal.price.digits),
            "Volume": String(deal.volume.units / 10_000), "VolumeExt": String(deal.volume.units),
            "Profit": amount(deal.profit.units), "Storage": amount(deal.swap.units), "Commission": amount(deal.commission.units),
            "Fee": amount(deal.fee.units), "RateProfit": "1", "RateMargin": "1", "PositionID": String(deal.positionID),
            "Comment": deal.comment, "PricePosition": "0", "VolumeClosed": "0", "Flags": "0",
        ]
    }

    static func user(_ account: TradeServerBook.Account) -> Fields {
        [
            "Login": String(account.login), "Group": account.group, "Rights": String(account.rights), "Name": account.name,
            "Email": account.email, "Country": account.country, "Leverage": String(account.leverage), "Agent": "0",
            "Balance": amount(account.balance), "Credit": amount(account.credit), "Registration": String(account.registration),
            "Comment": account.comment,
        ]
    }

    static func money(_ login: UInt64, _ money: TradeServerBook.AccountMoney, currencyDigits: Int) -> Fields {
        let level = money.margin == 0 ? "0" : decimal(Int64(Rounding.divide(Int128(money.equity) * 10_000, by: Int128(money.margin)).quotient), scale: 2)
        return [
            "Login": String(login), "Balance": amount(money.balance), "Credit": amount(money.credit), "Equity": amount(money.equity),
            "Margin": amount(money.margin), "MarginFree": amount(money.freeMargin), "MarginLevel": level,
            "CurrencyDigits": String(currencyDigits),
        ]
    }

    static func symbol(_ symbol: SimulatedSymbol) -> Fields {
        [
            "Symbol": symbol.name, "Path": symbol.path, "Digits": String(symbol.digits), "ContractSize": decimal(symbol.contractSize, scale: 8),
            "CurrencyBase": symbol.base, "CurrencyProfit": symbol.profitCurrency, "CurrencyMargin": symbol.base,
            "Spread": String(symbol.spreadPoints),
        ]
    }

    static func group(_ group: SimulatedGroup) -> Fields {
        [
            "Group": group.name, "Currency": group.currency, "CurrencyDigits": String(group.currencyDigits),
            "LeverageMax": String(group.maxLeverage), "Commission": amount(group.commissionPerLotPerSide),
            "SwapFree": group.swapFree ? "1" : "0",
        ]
    }
}
