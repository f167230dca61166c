import Money

/// What a deal did (MT5 `Action`). Values outside this list are refused when
/// read from a server rather than guessed at.
public enum DealAction: Int, Sendable, Codable, CaseIterable {
    case buy = 0, sell = 1, balance = 2, credit = 3, charge = 4, correction = 5, bonus = 6, commission = 7
    case commissionDaily = 8, commissionMonthly = 9, agentCommissionDaily = 10, agentCommissionMonthly = 11
    case interest = 12, buyCanceled = 13, sellCanceled = 14, dividend = 15, dividendFranked = 16, tax = 17
    case agent = 18, stopOutCompensation = 19, stopOutCompensationCredit = 20

    /// A trade (as opposed to a money movement on the account).
    public var isTrade: Bool { self == .buy || self == .sell }
}

/// Whether a trade deal opened or closed a position (MT5 `Entry`).
public enum DealEntry: Int, Sendable, Codable, CaseIterable {
    case entryIn = 0, entryOut = 1, inOut = 2, outBy = 3
}

/// One deal as the trade server recorded it: trades and balance operations alike.
/// Amounts are in the account's currency, which the server does not repeat on
/// every deal.
public struct TradeDeal: Sendable, Equatable, Codable {
    public var ticket: UInt64
    public var login: TradingLogin
    public var order: UInt64
    public var positionID: UInt64
    public var action: DealAction
    public var entry: DealEntry
    public var reason: Int
    public var symbol: String
    /// Server time, microseconds since the epoch (from `TimeMsc`).
    public var time: Int64
    public var price: Price
    public var volume: Volume
    /// Units of the base asset per lot, scaled by 10^8 (100,000 for FX majors).
    public var contractSize: Int64
    public var profit: PlatformAmount
    public var commission: PlatformAmount
    public var swap: PlatformAmount
    public var fee: PlatformAmount
    public var comment: String
    public var externalID: String
    /// The market's spread (ask - bid) in points when the deal was executed, from the
    /// server's `MarketBid`/`MarketAsk`; 0 when it did not say. Spread-share rules damp
    /// their pay with it during news spikes.
    public var marketSpreadPoints: Int64

    public init(ticket: UInt64, login: TradingLogin, order: UInt64 = 0, positionID: UInt64 = 0, action: DealAction,
                entry: DealEntry = .entryIn, reason: Int = 0, symbol: String = "", time: Int64, price: Price = Price(points: 0, digits: 0),
                volume: Volume = Volume(units: 0), contractSize: Int64 = 0, profit: PlatformAmount = .zero,
                commission: PlatformAmount = .zero, swap: PlatformAmount = .zero, fee: PlatformAmount = .zero,
                comment: String = "", externalID: String = "", marketSpreadPoints: Int64 = 0) {
        self.marketSpreadPoints = marketSpreadPoints
        self.ticket = ticket
        self.login = login
        self.order = order
        self.positionID = positionID
        self.action = action
        self.entry = entry
        self.reason = reason
        self.symbol = symbol
        self.time = time
        self.price = price
        self.volume = volume
        self.contractSize = contractSize
        self.profit = profit
        self.commission = commission
        self.swap = swap
        self.fee = fee
        self.comment = comment
        self.externalID = externalID
    }
}

/// An open position on a trading account.
public struct OpenPosition: Sendable, Equatable, Codable {
    public var positionID: UInt64
    public var login: TradingLogin
    public var symbol: String
    public var action: DealAction
    public var volume: Volume
    public var openPrice: Price
    public var currentPrice: Price
    public var openedAt: Int64
    public var profit: PlatformAmount
    public var swap: PlatformAmount

    public init(positionID: UInt64, login: TradingLogin, symbol: String, action: DealAction, volume: Volume, openPrice: Price,
                currentPrice: Price, openedAt: Int64, profit: PlatformAmount, swap: PlatformAmount) {
        self.positionID = positionID
        self.login = login
        self.symbol = symbol
        self.action = action
        self.volume = volume
        self.openPrice = openPrice
        self.currentPrice = currentPrice
        self.openedAt = openedAt
        self.profit = profit
        self.swap = swap
    }
}

/// A tradable instrument as the server defines it.
public struct SymbolSpec: Sendable, Equatable, Codable {
    public var symbol: String
    /// The server's folder for it, e.g. `Forex\Majors`.
    public var path: String
    public var digits: Int
    /// Scaled by 10^8, like `TradeDeal.contractSize`.
    public var contractSize: Int64
    public var baseCurrency: String
    public var profitCurrency: String
    public var marginCurrency: String

    public init(symbol: String, path: String, digits: Int, contractSize: Int64, baseCurrency: String, profitCurrency: String, marginCurrency: String) {
        self.symbol = symbol
        self.path = path
        self.digits = digits
        self.contractSize = contractSize
        self.baseCurrency = baseCurrency
        self.profitCurrency = profitCurrency
        self.marginCurrency = marginCurrency
    }
}
