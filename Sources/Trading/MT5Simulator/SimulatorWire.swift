import BrokerCore
import Foundation
import Money

/// MT5 Web API answers as the simulator writes them: every number a JSON string.
enum SimulatorWire {
    typealias Fields = [String: String]

    /// Written by hand: the simulator shares the machine with the client it serves
    /// in benchmarks, and Foundation's JSON writer cost more than the sync it fed.
    static func answer(_ code: Int = 0, _ text: String = "Done", _ answer: Any? = nil, extra: Fields = [:]) -> Data {
        var json = "{\"retcode\":"
        appendString("\(code) \(text)", to: &json)
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) {
            json += ","
            appendString(key, to: &json)
            json += ":"
            appendString(value, to: &json)
        }
        if let fields = answer as? Fields {
            json += ",\"answer\":"
            appendObject(fields, to: &json)
        } else if let list = answer as? [Fields] {
            json += ",\"answer\":["
            for (index, fields) in list.enumerated() {
                if index > 0 { json += "," }
                appendObject(fields, to: &json)
            }
            json += "]"
        } else if let strings = answer as? [String] {
            json += ",\"answer\":["
            for (index, text) in strings.enumerated() {
                if index > 0 { json += "," }
                appendString(text, to: &json)
            }
            json += "]"
        }
        json += "}"
        return Data(json.utf8)
    }

    static func appendObject(_ fields: Fields, to json: inout String) {
        json += "{"
        var first = true
        for (key, value) in fields {
            if !first { json += "," }
            first = false
            appendString(key, to: &json)
            json += ":"
            appendString(value, to: &json)
        }
        json += "}"
    }

    static func appendString(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            default:
                if scalar.value < 0x20 {
                    json += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    json.unicodeScalars.append(scalar)
                }
            }
        }
        json += "\""
    }

    static func refusal(_ refusal: SimulatorRefusal) -> Data { answer(refusal.code, refusal.text) }

    /// A decimal without trailing zeros: "100", "-3.5", "1.08345".
    static func decimal(_ value: Int64, scale: Int) -> String { FixedPoint.format(value, scale: scale, minimumDecimals: 0) }

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
            "MarketBid": decimal(market(deal).bid, scale: deal.price.digits), "MarketAsk": decimal(market(deal).ask, scale: deal.price.digits),
        ]
    }

    /// Bid and ask when the deal was executed: a buy fills at the ask, a sell at the bid
    /// (0 for deals without a market, such as balance operations).
    static func market(_ deal: TradeDeal) -> (bid: Int64, ask: Int64) {
        guard deal.marketSpreadPoints > 0 else { return (0, 0) }
        return deal.action == .buy ? (deal.price.points - deal.marketSpreadPoints, deal.price.points) : (deal.price.points, deal.price.points + deal.marketSpreadPoints)
    }

    /// Deals written straight to JSON, without a dictionary per deal: history
    /// answers are the simulator's biggest, and they share the CPU with the client.
    static func answer(deals: [TradeDeal]) -> Data {
        var json = "{\"retcode\":\"0 Done\",\"answer\":["
        json.reserveCapacity(64 + deals.count * 720)
        for (index, deal) in deals.enumerated() {
            if index > 0 { json += "," }
            json += "{\"Deal\":\"\(deal.ticket)\",\"ExternalID\":"
            appendString(deal.externalID, to: &json)
            json += ",\"Login\":\"\(deal.login.value)\",\"Dealer\":\"0\",\"Order\":\"\(deal.order)\",\"Action\":\"\(deal.action.rawValue)\""
            json += ",\"Entry\":\"\(deal.entry.rawValue)\",\"Reason\":\"\(deal.reason)\",\"Digits\":\"\(deal.price.digits)\",\"DigitsCurrency\":\"2\""
            json += ",\"ContractSize\":\"" + decimal(deal.contractSize, scale: 8) + "\",\"Time\":\"\(deal.time / 1_000_000)\",\"TimeMsc\":\"\(deal.time / 1_000)\""
            json += ",\"Symbol\":"
            appendString(deal.symbol, to: &json)
            json += ",\"Price\":\"" + decimal(deal.price.points, scale: deal.price.digits) + "\",\"Volume\":\"\(deal.volume.units / 10_000)\""
            json += ",\"VolumeExt\":\"\(deal.volume.units)\",\"Profit\":\"" + amount(deal.profit.units) + "\",\"Storage\":\"" + amount(deal.swap.units)
            json += "\",\"Commission\":\"" + amount(deal.commission.units) + "\",\"Fee\":\"" + amount(deal.fee.units)
            json += "\",\"RateProfit\":\"1\",\"RateMargin\":\"1\",\"PositionID\":\"\(deal.positionID)\",\"Comment\":"
            appendString(deal.comment, to: &json)
            let quote = market(deal)
            json += ",\"PricePosition\":\"0\",\"VolumeClosed\":\"0\",\"Flags\":\"0\",\"MarketBid\":\"" + decimal(quote.bid, scale: deal.price.digits)
            json += "\",\"MarketAsk\":\"" + decimal(quote.ask, scale: deal.price.digits) + "\"}"
        }
        json += "]}"
        return Data(json.utf8)
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
