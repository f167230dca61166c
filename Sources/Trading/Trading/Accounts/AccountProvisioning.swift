import BrokerCore
import Identity
import Logging
import Money
import Platform

/// A freshly opened account with its passwords, which Pipstack does not keep:
/// they are shown to the trader once.
public struct OpenedAccount: Sendable, Equatable {
    public let record: TradingAccountRecord
    public let mainPassword: String
    public let investorPassword: String
}

/// What staff ask to change on an account; nil leaves a setting alone.
public struct AccountChangeRequest: Sendable, Equatable {
    public var accountTypeID: String?
    public var leverage: Int?
    public var tradingEnabled: Bool?

    public init(accountTypeID: String? = nil, leverage: Int? = nil, tradingEnabled: Bool? = nil) {
        self.accountTypeID = accountTypeID
        self.leverage = leverage
        self.tradingEnabled = tradingEnabled
    }
}

/// Opens trading accounts on trade servers and changes them, keeping Pipstack's
/// record, the server and the audit trail in step.
///
/// Opening is retry-safe: the login is drawn from the server's range and the row
/// written before the request leaves, and the request id travels with it, so an
/// interrupted creation is settled later by reading the account back.
public struct AccountProvisioning: Sendable {
    public let types: AccountTypeStore
    public let accounts: TradingAccountStore
    public let servers: TradeServerStore
    public let platforms: PlatformDirectory
    let clock: any PipstackClock
    let logger: Logger

    public init(db: Database, servers: TradeServerStore, platforms: PlatformDirectory, clock: any PipstackClock, logger: Logger) {
        types = AccountTypeStore(db: db, clock: clock)
        accounts = TradingAccountStore(db: db, clock: clock)
        self.servers = servers
        self.platforms = platforms
        self.clock = clock
        self.logger = logger
    }

    /// The account types a client may open, with the leverages each allows them.
    public func offers(for user: User) async throws -> [(type: AccountType, environment: TradeServerConfig.Environment, leverages: [Int])] {
        let servers = try await servers.all().filter(\.enabled)
        return try await types.all().compactMap { type in
            guard type.enabled, let server = servers.first(where: { $0.id == type.serverID }) else { return nil }
            let choices = LeveragePolicy.choices(for: LeverageRequest(clientID: user.id.rawValue, accountType: type, isDemo: server.environment == .demo))
            return choices.isEmpty ? nil : (type, server.environment, choices)
        }
    }

    /// A request key as forms carry it: 24 lower-case hex digits (`Tokens.random(bytes: 12)`).
    public static func isRequestKey(_ key: String) -> Bool {
        key.count == 24 && key.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// The request id of each attempt to open the account a request key asks for: the
    /// first carries the key whole, later ones (a login taken by hand) a numbered variant.
    static func requestID(key: String, attempt: Int) -> String {
        attempt == 0 ? "ta_" + key : "ta_" + key.prefix(20) + "-r\(attempt)"
    }

    /// The account `user` opened with `requestKey`, if any: a form sent twice opens one account.
    public func account(openedWith requestKey: String, by user: User) async throws -> TradingAccountRecord? {
        guard Self.isRequestKey(requestKey) else { return nil }
        let ids = (0..<Self.attempts).map { Self.requestID(key: requestKey, attempt: $0) }
        return try await accounts.accounts(ofUser: user.id.rawValue).first { ids.contains($0.requestID) && $0.status != .failed }
    }

    static let attempts = 5

    /// Opens an account of `typeID` for `user` on its server. With a `requestKey`
    /// (what the form carried), the same key never opens a second account: ask
    /// `account(openedWith:by:)` first; the database refuses a second row for it.
    public func open(for user: User, typeID: String, leverage: Int, requestKey: String? = nil, audit: AuditContext) async throws -> OpenedAccount {
        let key = requestKey.flatMap { Self.isRequestKey($0) ? $0 : nil } ?? Tokens.random(bytes: 12)
        guard let type = try await types.type(typeID) else { throw ProvisioningError.unknownAccountType(typeID) }
        guard type.enabled else { throw ProvisioningError.accountTypeDisabled(typeID) }
        guard let server = try await servers.server(type.serverID) else { throw ProvisioningError.unknownServer(type.serverID) }
        guard server.enabled else { throw ProvisioningError.serverDisabled(server.id) }
        let choices = LeveragePolicy.choices(for: LeverageRequest(clientID: user.id.rawValue, accountType: type, isDemo: server.environment == .demo))
        guard choices.contains(leverage) else { throw ProvisioningError.leverageNotAllowed(requested: leverage, allowed: choices) }
        let platform = try await platforms.platform(for: server.id)
        let mainPassword = TradingPasswords.generate()
        let investorPassword = TradingPasswords.generate()
        // A login someone created on the server by hand is skipped, a few times at most.
        // Ids a refused earlier try of the same form already used are skipped (a refresh after a refusal).
        let used = Set(try await accounts.accounts(ofUser: user.id.rawValue).map(\.requestID))
        for attempt in 0..<Self.attempts where !used.contains(Self.requestID(key: key, attempt: attempt)) {
            let login = try await accounts.allocateLogin(serverID: server.id)
            let now = clock.nowMicros()
            let record = TradingAccountRecord(serverID: server.id, login: login, userID: user.id.rawValue, accountTypeID: type.id, group: type.group,
                                              currency: type.currency.code, leverage: leverage, status: .creating, tradingEnabled: true,
                                              requestID: Self.requestID(key: key, attempt: attempt), lastError: "", createdAt: now, updatedAt: now)
            try await accounts.insertCreating(record, audit: audit)
            do {
                _ = try await platform.createAccount(NewTradingAccount(
                    login: login, group: type.group, leverage: leverage, name: user.displayName, email: user.email,
                    mainPassword: mainPassword, investorPassword: investorPassword, requestID: record.requestID))
                try await accounts.settle(serverID: server.id, login: login, status: .active, audit: audit)
                if server.environment == .demo { await fundDemo(record, platform: platform, currency: type.currency) }
                var opened = record
                opened.status = .active
                return OpenedAccount(record: opened, mainPassword: mainPassword, investorPassword: investorPassword)
            } catch let error as TradingPlatformError {
                if !Self.isRefusal(error) {
                    // The server may have created it: the account stays `creating` until it is read back.
                    logger.warning("account creation outcome unknown", metadata: ["account": "\(record.reference)", "error": "\(error)"])
                    throw ProvisioningError.outcomeUnknown(record.reference)
                }
                try await accounts.settle(serverID: server.id, login: login, status: .failed, error: error.description, audit: audit)
                if case .accountExists = error {
                    logger.warning("login taken on the trade server; trying the next", metadata: ["server": "\(server.id)", "login": "\(login)"])
                    continue
                }
                if case .server(code: 3004, text: _) = error { continue }
                throw ProvisioningError.platform(error)
            }
        }
        throw ProvisioningError.loginsExhausted(server.id)
    }

    /// The server answered and did not create the account.
    static func isRefusal(_ error: TradingPlatformError) -> Bool {
        switch error {
        case .unavailable, .malformedAnswer, .tooManyRecords, .answerTooLarge: false
        default: true
        }
    }

    /// Virtual money on a new demo account. It never touches the ledger (it is not
    /// money), and the operation id makes it happen once however often it is retried.
    public static let demoStartingBalance: Int64 = 10_000

    func fundDemo(_ record: TradingAccountRecord, platform: any TradingPlatform, currency: Currency) async {
        do {
            let amount = try PlatformAmount(Money(minorUnits: Self.demoStartingBalance * Power10.of(currency.exponent), currency: currency))
            _ = try await platform.balanceOperation(BalanceOperation(operationID: "dm" + record.requestID.dropFirst(3), login: record.login, kind: .deposit,
                                                                     amount: amount, checkMargin: false))
        } catch {
            logger.warning("demo account opened without its virtual funds", metadata: ["account": "\(record.reference)", "error": "\(error)"])
        }
    }

    /// Applies staff changes on the server first, then records them, audited.
    public func change(serverID: ServerID, login: TradingLogin, _ request: AccountChangeRequest, audit: AuditContext) async throws -> TradingAccountRecord {
        guard let record = try await accounts.account(serverID: serverID, login: login) else {
            throw ProvisioningError.unknownAccount("\(serverID):\(login)")
        }
        guard record.status == .active else { throw ProvisioningError.accountNotActive(record.reference) }
        var newType: AccountType? = nil
        if let typeID = request.accountTypeID, typeID != record.accountTypeID {
            guard let type = try await types.type(typeID), type.serverID == serverID else { throw ProvisioningError.unknownAccountType(typeID) }
            newType = type
        }
        let currentType = newType == nil ? try await types.type(record.accountTypeID) : nil
        guard let type = newType ?? currentType else { throw ProvisioningError.unknownAccountType(record.accountTypeID) }
        let leverage = request.leverage ?? record.leverage
        if leverage != record.leverage || newType != nil {
            let server = try await servers.server(serverID)
            let choices = LeveragePolicy.choices(for: LeverageRequest(clientID: record.userID, accountType: type, isDemo: server?.environment == .demo))
            guard choices.contains(leverage) else { throw ProvisioningError.leverageNotAllowed(requested: leverage, allowed: choices) }
        }
        let settings = TradingAccountSettings(accountTypeID: type.id, group: type.group, leverage: leverage,
                                              tradingEnabled: request.tradingEnabled ?? record.tradingEnabled)
        let platform = try await platforms.platform(for: serverID)
        do {
            _ = try await platform.updateAccount(login, TradingAccountChange(
                group: settings.group != record.group ? settings.group : nil, leverage: settings.leverage != record.leverage ? settings.leverage : nil,
                tradingEnabled: settings.tradingEnabled != record.tradingEnabled ? settings.tradingEnabled : nil))
        } catch let error as TradingPlatformError {
            throw ProvisioningError.platform(error)
        }
        try await accounts.recordSettings(settings, of: record, audit: audit)
        var changed = record
        changed.accountTypeID = settings.accountTypeID
        changed.group = settings.group
        changed.leverage = settings.leverage
        changed.tradingEnabled = settings.tradingEnabled
        return changed
    }

    /// Sets a new main password on the server and returns it, to be shown once.
    public func resetPassword(serverID: ServerID, login: TradingLogin, audit: AuditContext) async throws -> String {
        guard let record = try await accounts.account(serverID: serverID, login: login) else {
            throw ProvisioningError.unknownAccount("\(serverID):\(login)")
        }
        guard record.status == .active else { throw ProvisioningError.accountNotActive(record.reference) }
        let password = TradingPasswords.generate()
        do {
            _ = try await platforms.platform(for: serverID).updateAccount(login, TradingAccountChange(mainPassword: password))
        } catch let error as TradingPlatformError {
            throw ProvisioningError.platform(error)
        }
        try await accounts.recordAction("trading_account.password_reset", on: record, audit: audit)
        return password
    }

    /// Settles creations interrupted by a crash: an account the server holds under
    /// the request's id is active (its trader resets the password to get one);
    /// one the server never created is failed.
    @discardableResult
    public func settleInterrupted(olderThan seconds: Int64 = 60) async throws -> Int {
        let stale = try await accounts.staleCreating(before: clock.nowMicros() - seconds * 1_000_000)
        var settled = 0
        for record in stale {
            do {
                let state = try await platforms.platform(for: record.serverID).account(record.login)
                let mine = state.requestID == record.requestID
                try await accounts.settle(serverID: record.serverID, login: record.login, status: mine ? .active : .failed,
                                          error: mine ? "" : "login \(record.login) belongs to another account on the server", audit: .system)
                settled += 1
            } catch TradingPlatformError.notFound(_) {
                try await accounts.settle(serverID: record.serverID, login: record.login, status: .failed,
                                          error: "the server never created it", audit: .system)
                settled += 1
            } catch {
                logger.warning("cannot settle an interrupted account creation yet", metadata: ["account": "\(record.reference)", "error": "\(error)"])
            }
        }
        return settled
    }
}

/// Passwords that satisfy MT5's rule (8-16 characters with lower case, upper case,
/// a digit and a symbol), from the system's secure generator.
public enum TradingPasswords {
    static let lower = Array("abcdefghijkmnopqrstuvwxyz")
    static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let digits = Array("23456789")
    static let symbols = Array("#@$%*+=?!")

    public static func generate(length: Int = 12) -> String {
        var generator = SystemRandomNumberGenerator()
        let all = lower + upper + digits + symbols
        var characters = [lower, upper, digits, symbols].map { $0.randomElement(using: &generator) ?? "a" }
        while characters.count < max(8, min(16, length)) { characters.append(all.randomElement(using: &generator) ?? "a") }
        characters.shuffle(using: &generator)
        return String(characters)
    }
}
