import BrokerCore
import Platform

/// What Pipstack needs from a trade server, whatever its make. MT5 implements it
/// through its Web API; MT4 (through a bridge) and cTrader (Open API) plug in
/// behind the same interface.
public protocol TradingPlatform: Sendable {
    /// Creates an account; with `account.login` set, a retry of the same request
    /// returns the account it created instead of failing or creating another.
    func createAccount(_ account: NewTradingAccount) async throws -> TradingAccountState
    func updateAccount(_ login: TradingLogin, _ change: TradingAccountChange) async throws -> TradingAccountState
    func account(_ login: TradingLogin) async throws -> TradingAccountState
    /// Exactly once per `operation.operationID`, however often it is called.
    func balanceOperation(_ operation: BalanceOperation) async throws -> BalanceOperationResult
    func symbols() async throws -> [SymbolSpec]
    /// The logins of every account in a group mask.
    func logins(groupMask: String) async throws -> [TradingLogin]
    /// Deals in a time window (server time), for the given logins or group mask.
    func deals(_ query: DealQuery) async throws -> [TradeDeal]
    func positions(logins: [TradingLogin]) async throws -> [OpenPosition]
    /// The server's clock, microseconds since the epoch.
    func serverTime() async throws -> Int64
}

/// Which deals to fetch: a window of server time, over some logins or a group mask.
public struct DealQuery: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        case logins([TradingLogin])
        /// An MT5 group mask such as `real\*`.
        case groups(String)
    }

    public var scope: Scope
    /// Seconds since the epoch, server time, inclusive at both ends.
    public var from: Int64
    public var to: Int64

    public init(scope: Scope, from: Int64, to: Int64) {
        self.scope = scope
        self.from = from
        self.to = to
    }
}

/// Why a trade server call failed, as much as the caller needs to decide what to do.
public enum TradingPlatformError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server refused the request's parameters (MT5 3, 4).
    case invalidParameters(String)
    case notFound(String)
    case accountExists(TradingLogin)
    /// The manager's credentials were refused (MT5 3006), or the answer to the
    /// handshake did not prove the server knows them.
    case authenticationFailed(String)
    /// The server's password policy refused a trader's new password (MT5 3006 on a user call).
    case weakPassword(String)
    case noPermission(String)
    /// Not enough free margin or balance (MT5 10019).
    case noMoney(String)
    case moneyLimit(String)
    /// Any other retcode.
    case server(code: Int, text: String)
    /// The connection dropped, timed out or answered 5xx: the call may or may not
    /// have taken effect.
    case unavailable(String)
    /// The answer could not be understood; nothing from it was used.
    case malformedAnswer(String)
    /// The answer held more records than a client accepts in one answer: ask for less.
    case tooManyRecords(Int)
    /// The answer was larger than a client accepts: ask for less.
    case answerTooLarge(bytes: Int)
    /// Refused locally, before anything was sent.
    case invalidRequest(String)

    public var description: String {
        switch self {
        case let .invalidParameters(text): "trade server refused the parameters: \(text)"
        case let .notFound(text): "not found on the trade server: \(text)"
        case let .accountExists(login): "trading account \(login) exists already"
        case let .authenticationFailed(text): "trade server authentication failed: \(text)"
        case let .weakPassword(text): "the trade server's password policy refused the password: \(text)"
        case let .noPermission(text): "no permission on the trade server: \(text)"
        case let .noMoney(text): "not enough money: \(text)"
        case let .moneyLimit(text): "money limit: \(text)"
        case let .server(code, text): "trade server error \(code) \(text)"
        case let .unavailable(text): "trade server unavailable: \(text)"
        case let .malformedAnswer(text): "malformed answer from the trade server: \(text)"
        case let .tooManyRecords(count): "the trade server answered with \(count) records, more than one answer may carry"
        case let .answerTooLarge(bytes): "the trade server's answer exceeded \(bytes) bytes"
        case let .invalidRequest(text): "invalid request: \(text)"
        }
    }
}
