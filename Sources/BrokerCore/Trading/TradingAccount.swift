/// A trading account to create on a server.
public struct NewTradingAccount: Sendable, Equatable {
    /// The login to create; a server-chosen one when nil. Choosing it makes creation
    /// retry-safe: a retry that finds the login taken by this request is a success.
    public var login: TradingLogin?
    public var group: String
    public var leverage: Int
    public var name: String
    public var email: String
    public var country: String
    public var mainPassword: String
    public var investorPassword: String
    /// Pipstack's id for this request, stored on the account so a retry can recognise it.
    public var requestID: String

    public init(login: TradingLogin? = nil, group: String, leverage: Int, name: String, email: String, country: String = "",
                mainPassword: String, investorPassword: String, requestID: String) {
        self.login = login
        self.group = group
        self.leverage = leverage
        self.name = name
        self.email = email
        self.country = country
        self.mainPassword = mainPassword
        self.investorPassword = investorPassword
        self.requestID = requestID
    }
}

/// Changes to an account; nil leaves a field alone.
public struct TradingAccountChange: Sendable, Equatable {
    public var group: String?
    public var leverage: Int?
    public var tradingEnabled: Bool?
    public var enabled: Bool?
    public var mainPassword: String?
    public var investorPassword: String?

    public init(group: String? = nil, leverage: Int? = nil, tradingEnabled: Bool? = nil, enabled: Bool? = nil,
                mainPassword: String? = nil, investorPassword: String? = nil) {
        self.group = group
        self.leverage = leverage
        self.tradingEnabled = tradingEnabled
        self.enabled = enabled
        self.mainPassword = mainPassword
        self.investorPassword = investorPassword
    }
}

/// An account's settings and money as the server reports them.
public struct TradingAccountState: Sendable, Equatable, Codable {
    public var login: TradingLogin
    public var group: String
    public var name: String
    public var email: String
    public var leverage: Int
    public var enabled: Bool
    public var tradingEnabled: Bool
    public var balance: PlatformAmount
    public var credit: PlatformAmount
    public var equity: PlatformAmount
    public var margin: PlatformAmount
    public var freeMargin: PlatformAmount
    /// What the account was created for (`NewTradingAccount.requestID`), if Pipstack created it.
    public var requestID: String

    public init(login: TradingLogin, group: String, name: String, email: String, leverage: Int, enabled: Bool, tradingEnabled: Bool,
                balance: PlatformAmount, credit: PlatformAmount, equity: PlatformAmount, margin: PlatformAmount,
                freeMargin: PlatformAmount, requestID: String) {
        self.login = login
        self.group = group
        self.name = name
        self.email = email
        self.leverage = leverage
        self.enabled = enabled
        self.tradingEnabled = tradingEnabled
        self.balance = balance
        self.credit = credit
        self.equity = equity
        self.margin = margin
        self.freeMargin = freeMargin
        self.requestID = requestID
    }
}

/// A money movement on a trading account, done by the trade server as a deal.
public struct BalanceOperation: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case deposit, withdrawal, creditIn = "credit_in", creditOut = "credit_out", bonus, correction, charge
    }

    /// Pipstack's id for the operation. It travels in the deal's comment (MT5 allows
    /// 31 characters), which is how a retry finds out whether it already happened.
    public var operationID: String
    public var login: TradingLogin
    public var kind: Kind
    /// Positive; the kind gives the direction.
    public var amount: PlatformAmount
    /// Refuse a withdrawal that would leave too little free margin.
    public var checkMargin: Bool
    /// When this operation was first sent, if it may have been (a retry after a
    /// crash): the server's deals from then on are searched before sending again.
    public var possiblySentSince: Int64?

    public init(operationID: String, login: TradingLogin, kind: Kind, amount: PlatformAmount, checkMargin: Bool = true,
                possiblySentSince: Int64? = nil) {
        self.operationID = operationID
        self.login = login
        self.kind = kind
        self.amount = amount
        self.checkMargin = checkMargin
        self.possiblySentSince = possiblySentSince
    }

    /// The deal comment that carries the operation id.
    public var comment: String { "ps:" + operationID }
    public static let maxOperationIDLength = 28
}

/// What a balance operation came to.
public struct BalanceOperationResult: Sendable, Equatable {
    /// The server's deal for it.
    public var dealTicket: UInt64
    /// True when the operation had already been done and this call found its deal.
    public var alreadyDone: Bool

    public init(dealTicket: UInt64, alreadyDone: Bool) {
        self.dealTicket = dealTicket
        self.alreadyDone = alreadyDone
    }
}
