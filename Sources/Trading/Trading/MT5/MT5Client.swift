import BrokerCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Platform

/// The MT5 Web API client: one authenticated keep-alive connection, requests one at
/// a time, re-authentication after a drop or an expired session, retries only for
/// calls that are safe to repeat, and exactly-once balance operations.
public final class MT5Client: TradingPlatform {
    public struct Configuration: Sendable {
        public var endpoint: MT5Endpoint
        public var managerLogin: UInt64
        public var password: String
        public var agent: String
        public var build: Int
        public var requestTimeout: TimeAmount
        public var connectTimeout: TimeAmount
        /// Attempts for calls that are safe to repeat.
        public var attempts: Int
        /// An idle connection is pinged before a call that must not be repeated blindly.
        public var idleBeforePing: Duration
        /// Most records one answer may carry before it is refused as oversized.
        public var maxRecordsPerAnswer: Int

        public init(endpoint: MT5Endpoint, managerLogin: UInt64, password: String, agent: String = "Pipstack", build: Int = 4_000,
                    requestTimeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(10), attempts: Int = 6,
                    idleBeforePing: Duration = .seconds(15), maxRecordsPerAnswer: Int = 200_000) {
            self.endpoint = endpoint
            self.managerLogin = managerLogin
            self.password = password
            self.agent = agent
            self.build = build
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.attempts = attempts
            self.idleBeforePing = idleBeforePing
            self.maxRecordsPerAnswer = maxRecordsPerAnswer
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let lock = AsyncSerialLock()
    /// The authenticated connection and when it was last used; touched only under `lock`.
    private let session = Mutex<(connection: MT5HTTPConnection?, lastUsed: ContinuousClock.Instant)>((nil, .now))

    public init(configuration: Configuration, logger: Logger = Logger(label: "pipstack.mt5")) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit {
        let connection = session.withLock { $0.connection }
        connection?.channel.close(promise: nil)
    }

    // MARK: TradingPlatform

    public func createAccount(_ account: NewTradingAccount) async throws -> TradingAccountState {
        try Self.validate(account)
        var query: [(String, String)] = [("group", account.group), ("name", account.name), ("leverage", String(account.leverage))]
        if let login = account.login { query.append(("login", String(login.value))) }
        let body: [String: String] = [
            "Login": account.login.map { String($0.value) } ?? "0", "Group": account.group, "Name": account.name,
            "Email": account.email, "Country": account.country, "Leverage": String(account.leverage),
            "PassMain": account.mainPassword, "PassInvestor": account.investorPassword, "Comment": account.requestID,
        ]
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (_, answer, _) = try await call(.POST, "/api/user/add", query, body: body, retry: .never)
                return try MT5Wire.account(user: try MT5Wire.object(answer, what: "user/add"), money: nil)
            } catch let error as TradingPlatformError {
                // With a chosen login, "exists" or an unknown outcome is settled by reading the account back.
                guard let login = account.login else { throw error }
                switch error {
                case .server(code: 3004, text: _), .unavailable:
                    do {
                        let existing = try await self.account(login)
                        guard existing.requestID == account.requestID else { throw TradingPlatformError.accountExists(login) }
                        return existing
                    } catch TradingPlatformError.notFound(_) {
                        // Not created: send it again, a bounded number of times.
                        guard case .unavailable = error, attempt < configuration.attempts else { throw error }
                    }
                default:
                    throw error
                }
            }
        }
    }

    public func updateAccount(_ login: TradingLogin, _ change: TradingAccountChange) async throws -> TradingAccountState {
        if let leverage = change.leverage, !(1...10_000).contains(leverage) { throw TradingPlatformError.invalidRequest("leverage \(leverage)") }
        var body: [String: String] = ["Login": String(login.value)]
        if let group = change.group { body["Group"] = group }
        if let leverage = change.leverage { body["Leverage"] = String(leverage) }
        if change.enabled != nil || change.tradingEnabled != nil {
            let (_, answer, _) = try await call(.GET, "/api/user/get", [("login", String(login.value))], retry: .safe)
            var rights = try MT5Wire.object(answer, what: "user \(login)").uint("Rights")
            if let enabled = change.enabled { rights = enabled ? rights | MT5Wire.rightsEnabled : rights & ~MT5Wire.rightsEnabled }
            if let trading = change.tradingEnabled {
                rights = trading ? rights & ~MT5Wire.rightsTradeDisabled : rights | MT5Wire.rightsTradeDisabled
            }
            body["Rights"] = String(rights)
        }
        if body.count > 1 {
            // Absolute values: repeating the update is harmless.
            _ = try await call(.POST, "/api/user/update", [("login", String(login.value))], body: body, retry: .safe)
        }
        for (type, password) in [("main", change.mainPassword), ("investor", change.investorPassword)] {
            guard let password else { continue }
            try Self.validatePassword(password, field: type)
            _ = try await call(.POST, "/api/user/change_password", [("login", String(login.value)), ("type", type)],
                               body: ["Password": password], retry: .safe)
        }
        return try await account(login)
    }

    public func account(_ login: TradingLogin) async throws -> TradingAccountState {
        let (_, user, _) = try await call(.GET, "/api/user/get", [("login", String(login.value))], retry: .safe)
        let (_, money, _) = try await call(.GET, "/api/user/account/get", [("login", String(login.value))], retry: .safe)
        return try MT5Wire.account(user: try MT5Wire.object(user, what: "user \(login)"),
                                   money: try MT5Wire.object(money, what: "account \(login)"))
    }

    public func balanceOperation(_ operation: BalanceOperation) async throws -> BalanceOperationResult {
        let (type, signed) = try Self.wireType(of: operation)
        if let since = operation.possiblySentSince, let ticket = try await findDeal(of: operation, since: since) {
            return BalanceOperationResult(dealTicket: ticket, alreadyDone: true)
        }
        let firstSent = Int64(Date().timeIntervalSince1970 * 1_000_000)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let query = [("login", String(operation.login.value)), ("type", String(type)),
                             ("balance", FixedPointAmount.text(signed)), ("comment", operation.comment),
                             ("check_margin", operation.checkMargin ? "1" : "0")]
                let (_, answer, _) = try await call(.POST, "/api/trade/balance", query, retry: .never)
                let ticket = try MT5Wire.object(answer, what: "trade/balance").uint("Ticket")
                return BalanceOperationResult(dealTicket: ticket, alreadyDone: false)
            } catch let error as TradingPlatformError {
                guard case .unavailable = error, attempt < configuration.attempts else { throw error }
                // The operation may have been done: look for its deal before sending it again.
                logger.notice("balance operation outcome unknown; searching for its deal", metadata: ["operation": "\(operation.operationID)"])
                try await Task.sleep(for: .milliseconds(100 * attempt))
                if let ticket = try await findDeal(of: operation, since: firstSent) {
                    return BalanceOperationResult(dealTicket: ticket, alreadyDone: true)
                }
            }
        }
    }

    public func symbols() async throws -> [SymbolSpec] {
        let (_, answer, _) = try await call(.GET, "/api/symbol/total", [], retry: .safe)
        let total = try MT5Wire.object(answer, what: "symbol/total").int("Total", in: 0...100_000)
        var symbols: [SymbolSpec] = []
        for index in 0..<total {
            let (_, symbol, _) = try await call(.GET, "/api/symbol/next", [("index", String(index))], retry: .safe)
            symbols.append(try MT5Wire.symbol(try MT5Wire.object(symbol, what: "symbol \(index)")))
        }
        return symbols
    }

    public func logins(groupMask: String) async throws -> [TradingLogin] {
        let (_, answer, _) = try await call(.GET, "/api/user/logins", [("group", groupMask)], retry: .safe)
        if answer == nil || answer == .null { return [] }
        guard case let .array(items) = answer else { throw TradingPlatformError.malformedAnswer("user/logins: answer is not an array") }
        guard items.count <= 10_000_000 else { throw TradingPlatformError.tooManyRecords(items.count) }
        return try items.enumerated().map { index, item in
            guard case let .string(text) = item, let login = TradingLogin(text) else {
                throw TradingPlatformError.malformedAnswer("user/logins[\(index)]: not a login string")
            }
            return login
        }
    }

    public func deals(_ query: DealQuery) async throws -> [TradeDeal] {
        var parameters: [(String, String)]
        switch query.scope {
        case let .logins(logins):
            guard !logins.isEmpty else { return [] }
            parameters = [("login", logins.map { String($0.value) }.joined(separator: ","))]
        case let .groups(mask):
            parameters = [("group", mask)]
        }
        parameters += [("from", String(query.from)), ("to", String(query.to))]
        let (_, answer, _) = try await call(.GET, "/api/deal/get_batch", parameters, retry: .safe)
        return try MT5Wire.array(answer, what: "deal/get_batch", max: configuration.maxRecordsPerAnswer).map(MT5Wire.deal)
    }

    public func positions(logins: [TradingLogin]) async throws -> [OpenPosition] {
        guard !logins.isEmpty else { return [] }
        let (_, answer, _) = try await call(.GET, "/api/position/get_batch", [("login", logins.map { String($0.value) }.joined(separator: ","))], retry: .safe)
        return try MT5Wire.array(answer, what: "position/get_batch", max: configuration.maxRecordsPerAnswer).map(MT5Wire.position)
    }

    public func serverTime() async throws -> Int64 {
        let (_, answer, _) = try await call(.GET, "/api/time/server", [], retry: .safe)
        return try MT5Wire.object(answer, what: "time/server").int("Time", in: 0...4_102_444_800) * 1_000_000
    }

    /// Closes the connection; the next call opens and authenticates a new one.
    public func disconnect() async {
        await dropConnection()
    }

    // MARK: Exactly-once support

    /// The deal a balance operation produced, searched by its comment among the
    /// account's deals since `since` (µs), allowing a day of clock skew either way.
    func findDeal(of operation: BalanceOperation, since: Int64) async throws -> UInt64? {
        let from = since / 1_000_000 - 86_400
        let to = Int64(Date().timeIntervalSince1970) + 86_400
        let deals = try await deals(DealQuery(scope: .logins([operation.login]), from: from, to: to))
        return deals.first { $0.comment == operation.comment && !$0.action.isTrade }?.ticket
    }

    static func wireType(of operation: BalanceOperation) throws -> (type: Int, amount: Int64) {
        let id = operation.operationID
        guard (1...BalanceOperation.maxOperationIDLength).contains(id.count),
              id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw TradingPlatformError.invalidRequest("operation id must be 1-\(BalanceOperation.maxOperationIDLength) of A-Z, a-z, 0-9, _ and -")
        }
        let amount = operation.amount.units
        guard operation.kind == .correction ? amount != 0 : amount > 0 else {
            throw TradingPlatformError.invalidRequest("amount must be positive (a correction may be negative, not zero)")
        }
        switch operation.kind {
        case .deposit: return (2, amount)
        case .withdrawal: return (2, -amount)
        case .creditIn: return (3, amount)
        case .creditOut: return (3, -amount)
        case .charge: return (4, -amount)
        case .correction: return (5, amount)
        case .bonus: return (6, amount)
        }
    }

    static func validate(_ account: NewTradingAccount) throws {
        guard !account.group.isEmpty, account.group.count <= 64 else { throw TradingPlatformError.invalidRequest("group") }
        guard (1...10_000).contains(account.leverage) else { throw TradingPlatformError.invalidRequest("leverage \(account.leverage)") }
        guard (1...128).contains(account.name.count) else { throw TradingPlatformError.invalidRequest("name: 1 to 128 characters") }
        guard (1...32).contains(account.requestID.count) else { throw TradingPlatformError.invalidRequest("request id: 1 to 32 characters") }
        try validatePassword(account.mainPassword, field: "main password")
        try validatePassword(account.investorPassword, field: "investor password")
    }

    /// MT5's rule: 8-16 characters with lower case, upper case, digits and symbols.
    static func validatePassword(_ password: String, field: String) throws {
        let classes = [password.contains(where: \.isLowercase), password.contains(where: \.isUppercase),
                       password.contains(where: \.isNumber), password.contains(where: { !$0.isLetter && !$0.isNumber })]
        guard (8...16).contains(password.count), classes.allSatisfy({ $0 }), password.allSatisfy(\.isASCII) else {
            throw TradingPlatformError.invalidRequest("\(field): 8 to 16 ASCII characters with lower case, upper case, a digit and a symbol")
        }
    }

    // MARK: Transport

    enum RetryPolicy { case safe, never }

    /// One API call under the connection lock: connects and authenticates when
    /// needed, re-authenticates once when the session was lost, and retries calls
    /// that are safe to repeat after drops, timeouts and 5xx answers.
    func call(_ method: HTTPMethod, _ path: String, _ query: [(String, String)], body: [String: String]? = nil,
              retry: RetryPolicy) async throws -> (code: Int, answer: MT5JSONValue?, top: MT5Record) {
        let uri = path + (query.isEmpty ? "" : "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&"))
        let payload: ByteBuffer? = try body.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) }
        let response: MT5HTTPResponse = try await lock.withLock {
            var attempt = 0
            var reauthenticated = false
            while true {
                attempt += 1
                do {
                    let connection = try await self.authenticatedConnection(pingIfIdle: retry == .never)
                    let response = try await connection.send(method: method, uri: uri, body: payload, timeout: self.configuration.requestTimeout)
                    self.session.withLock { $0.lastUsed = .now }
                    if response.status == .unauthorized || response.status == .forbidden {
                        // The session is gone (expired or never there): nothing was done; log in again once.
                        await self.dropConnection()
                        guard !reauthenticated else { throw TradingPlatformError.authenticationFailed("session refused after a new login") }
                        reauthenticated = true
                        continue
                    }
                    if response.status.code >= 500 {
                        await self.dropConnection()
                        throw TradingPlatformError.unavailable("HTTP \(response.status.code) from \(path)")
                    }
                    guard response.status == .ok else {
                        throw TradingPlatformError.malformedAnswer("HTTP \(response.status.code) from \(path)")
                    }
                    return response
                } catch let error as TradingPlatformError {
                    if case .answerTooLarge = error { await self.dropConnection() }
                    guard case .unavailable = error else { throw error }
                    await self.dropConnection()
                    guard retry == .safe, attempt < self.configuration.attempts else { throw error }
                    self.logger.info("retrying after \(error)", metadata: ["path": "\(path)", "attempt": "\(attempt)"])
                    try await Task.sleep(for: .milliseconds(50 * (1 << min(attempt, 6))))
                }
            }
        }
        return try MT5Wire.envelope(response.body, context: path)
    }

    private func dropConnection() async {
        let connection = session.withLock { state -> MT5HTTPConnection? in
            defer { state.connection = nil }
            return state.connection
        }
        await connection?.close()
    }

    /// The live session, or a new connection after the handshake. Called under `lock`.
    private func authenticatedConnection(pingIfIdle: Bool) async throws -> MT5HTTPConnection {
        let (existing, lastUsed) = session.withLock { ($0.connection, $0.lastUsed) }
        if let existing, existing.isActive {
            guard pingIfIdle, ContinuousClock.now - lastUsed > configuration.idleBeforePing else { return existing }
            // A call that must not be repeated blindly goes over a connection just proven alive.
            if let ping = try? await existing.send(method: .GET, uri: "/api/test/access", body: nil, timeout: configuration.requestTimeout),
               ping.status == .ok {
                return existing
            }
            await existing.close()
        }
        let connection = try await MT5HTTPConnection.connect(configuration.endpoint, timeout: configuration.connectTimeout)
        do {
            try await handshake(on: connection)
        } catch {
            await connection.close()
            throw error
        }
        session.withLock { $0 = (connection, .now) }
        return connection
    }

    private func handshake(on connection: MT5HTTPConnection) async throws {
        let start = "/api/auth/start?version=\(configuration.build)&agent=\(Self.escape(configuration.agent))&login=\(configuration.managerLogin)&type=manager"
        let first = try await connection.send(method: .GET, uri: start, body: nil, timeout: configuration.requestTimeout)
        guard first.status == .ok else { throw TradingPlatformError.unavailable("HTTP \(first.status.code) from auth/start") }
        let started = try MT5Wire.envelope(first.body, context: "auth/start").top
        guard let serverRandom = MT5Auth.bytes(hex: try started.string("srv_rand")), serverRandom.count == 16 else {
            throw TradingPlatformError.malformedAnswer("auth/start: srv_rand is not 16 bytes of hex")
        }
        let hash = MT5Auth.passwordHash(configuration.password)
        var clientRandom = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in clientRandom.indices { clientRandom[index] = UInt8.random(in: 0...255, using: &generator) }
        let answerURI = "/api/auth/answer?srv_rand_answer=\(MT5Auth.answer(passwordHash: hash, random: serverRandom))&cli_rand=\(MT5Auth.hex(clientRandom))"
        let second = try await connection.send(method: .GET, uri: answerURI, body: nil, timeout: configuration.requestTimeout)
        guard second.status == .ok else { throw TradingPlatformError.unavailable("HTTP \(second.status.code) from auth/answer") }
        let answered = try MT5Wire.envelope(second.body, context: "auth/answer").top
        // Mutual authentication: the server must show it knows the password too.
        guard MT5Auth.matches(try answered.string("cli_rand_answer"), MT5Auth.answer(passwordHash: hash, random: clientRandom)) else {
            throw TradingPlatformError.authenticationFailed("the server's answer to our random does not match: not the server we know")
        }
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Amounts on the wire: plain decimals, never floating point.
enum FixedPointAmount {
    static func text(_ units: Int64) -> String {
        var text = PlatformAmount(units: units).description
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
