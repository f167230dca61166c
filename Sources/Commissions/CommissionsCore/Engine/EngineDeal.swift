import BrokerCore

/// One deal as the engine reads it: indices into the book instead of names, and
/// integers in the units the rest of Pipstack uses (10^-8 lots, 10^-8 of the
/// account currency, microseconds). The pipeline fills in what the deal itself
/// does not say: the position's open time and price for closing deals, and the
/// account's equity and credit for the bonus coefficient.
public struct EngineDeal: Sendable, Equatable {
    public var ticket: UInt64
    /// Index of the trading account in the book.
    public var account: Int32
    /// Index of the symbol in the book.
    public var symbol: Int32
    public var action: DealAction
    public var entry: DealEntry
    /// Microseconds since the epoch.
    public var time: Int64
    /// 10^-8 lots.
    public var volume: Int64
    public var contractSize: Int64
    public var pricePoints: Int64
    /// The position's open price and time (closing deals; 0 when unknown).
    public var openPricePoints: Int64
    public var openedAt: Int64
    /// What the client paid, 10^-8 of the account currency, negative when charged.
    public var commission: Int64
    /// The account's equity and credit when the deal happened (0 when unknown).
    public var equity: Int64
    public var credit: Int64
    /// The market's spread in points when the deal was executed (0 when unknown).
    public var spreadPoints: Int64

    public init(ticket: UInt64, account: Int32, symbol: Int32, action: DealAction = .buy, entry: DealEntry = .entryOut, time: Int64 = 0,
                volume: Int64, contractSize: Int64 = 100_000, pricePoints: Int64 = 0, openPricePoints: Int64 = 0, openedAt: Int64 = 0,
                commission: Int64 = 0, equity: Int64 = 0, credit: Int64 = 0, spreadPoints: Int64 = 0) {
        self.spreadPoints = spreadPoints
        self.ticket = ticket
        self.account = account
        self.symbol = symbol
        self.action = action
        self.entry = entry
        self.time = time
        self.volume = volume
        self.contractSize = contractSize
        self.pricePoints = pricePoints
        self.openPricePoints = openPricePoints
        self.openedAt = openedAt
        self.commission = commission
        self.equity = equity
        self.credit = credit
    }

    var isClosing: Bool { entry != .entryIn }
}

/// What one deal pays one beneficiary for one rule at one level of the tree, in
/// accrual units (10^-8) of the book's currency.
public struct CommissionLine: Sendable, Equatable, Hashable {
    public var ticket: UInt64
    /// Index of the partner who earns it.
    public var beneficiary: Int32
    /// 1 is the partner the account is attributed to, 2 its parent, and so on.
    public var level: Int16
    /// Index of the rule id in the book (`CommissionBook.ruleIDs`).
    public var rule: Int16
    public var amount: Int64

    public init(ticket: UInt64, beneficiary: Int32, level: Int16, rule: Int16, amount: Int64) {
        self.ticket = ticket
        self.beneficiary = beneficiary
        self.level = level
        self.rule = rule
        self.amount = amount
    }
}
