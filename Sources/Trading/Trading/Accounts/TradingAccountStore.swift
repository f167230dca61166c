import BrokerCore
import Identity
import Money
import SQLKit
import Platform

/// A trading account Pipstack opened (or is opening) for a client.
public struct TradingAccountRecord: Sendable, Equatable, Codable {
    /// `creating` until the server confirms; `failed` if it refused.
    public enum Status: String, Sendable, Codable, CaseIterable { case creating, active, failed }

    public var serverID: ServerID
    public var login: TradingLogin
    public var userID: String
    public var accountTypeID: String
    public var group: String
    public var currency: String
    public var leverage: Int
    public var status: Status
    public var tradingEnabled: Bool
    public var requestID: String
    public var lastError: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(serverID: ServerID, login: TradingLogin, userID: String, accountTypeID: String, group: String, currency: String, leverage: Int,
                status: Status, tradingEnabled: Bool, requestID: String, lastError: String, createdAt: Int64, updatedAt: Int64) {
        self.serverID = serverID
        self.login = login
        self.userID = userID
        self.accountTypeID = accountTypeID
        self.group = group
        self.currency = currency
        self.leverage = leverage
        self.status = status
        self.tradingEnabled = tradingEnabled
        self.requestID = requestID
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// How pages and audit entries name the account.
    public var reference: String { TradingAccountKey(server: serverID, login: login).description }
}

/// The settings staff may change on an account, as recorded in Pipstack.
public struct TradingAccountSettings: Sendable, Equatable, Codable {
    public var accountTypeID: String
    public var group: String
    public var leverage: Int
    public var tradingEnabled: Bool

    public init(accountTypeID: String, group: String, leverage: Int, tradingEnabled: Bool) {
        self.accountTypeID = accountTypeID
        self.group = group
        self.leverage = leverage
        self.tradingEnabled = tradingEnabled
    }
}

/// Trading accounts and the per-server login ranges they are numbered from.
public struct TradingAccountStore: Sendable {
    public let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    /// Takes the next login of the server's range; each login is handed out once.
    public func allocateLogin(serverID: ServerID) async throws -> TradingLogin {
        let now = clock.nowMicros()
        return try await db.transaction { sql in
            let row = try await sql.raw("""
                UPDATE trade_servers SET login_next = login_next + 1, updated_at = \(bind: now)
                WHERE id = \(bind: serverID) AND login_next > 0 AND login_next <= login_last RETURNING login_next - 1 AS login
                """).first()
            guard let row else {
                throw ProvisioningError.loginsExhausted(serverID)
            }
            return TradingLogin(UInt64(bitPattern: try row.decode(column: "login", as: Int64.self)))
        }
    }

    /// Records an account about to be created on the server, before the request leaves.
    public func insertCreating(_ record: TradingAccountRecord, audit: AuditContext) async throws {
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO trading_accounts (server_id, login, user_id, account_type_id, mt_group, currency, leverage, status,
                    trading_enabled, request_id, last_error, created_at, updated_at, brand_id)
                VALUES (\(bind: record.serverID), \(bind: Int64(bitPattern: record.login.value)), \(bind: record.userID),
                    \(bind: record.accountTypeID), \(bind: record.group), \(bind: record.currency), \(bind: record.leverage),
                    'creating', \(bind: record.tradingEnabled ? 1 : 0), \(bind: record.requestID), '', \(bind: record.createdAt), \(bind: record.createdAt),
                    \(bind: try await UserDirectory.brands(of: [record.userID], on: sql)[record.userID]?.rawValue ?? ""))
                """).run()
            try await AuditLog.append(audit.entry("trading_account.open_requested", entityType: "trading_account", entityID: record.reference,
                                                  after: AuditJSON.text(record)), at: record.createdAt, on: sql, dialect: dialect)
        }
    }

    /// Moves a `creating` account to `active` or `failed`, audited.
    public func settle(serverID: ServerID, login: TradingLogin, status: TradingAccountRecord.Status, error: String = "",
                       audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE trading_accounts SET status = \(bind: status.rawValue), last_error = \(bind: String(error.prefix(500))), updated_at = \(bind: now)
                WHERE server_id = \(bind: serverID) AND login = \(bind: Int64(bitPattern: login.value)) AND status = 'creating'
                """).run()
            try await AuditLog.append(audit.entry(status == .active ? "trading_account.opened" : "trading_account.open_failed",
                                                  entityType: "trading_account", entityID: "\(serverID):\(login)",
                                                  after: AuditJSON.text(["status": status.rawValue, "error": error])),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Records new settings after the server applied them, with before and after.
    public func recordSettings(_ settings: TradingAccountSettings, of record: TradingAccountRecord, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        let before = TradingAccountSettings(accountTypeID: record.accountTypeID, group: record.group, leverage: record.leverage,
                                            tradingEnabled: record.tradingEnabled)
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE trading_accounts SET account_type_id = \(bind: settings.accountTypeID), mt_group = \(bind: settings.group),
                    leverage = \(bind: settings.leverage), trading_enabled = \(bind: settings.tradingEnabled ? 1 : 0), updated_at = \(bind: now)
                WHERE server_id = \(bind: record.serverID) AND login = \(bind: Int64(bitPattern: record.login.value))
                """).run()
            try await AuditLog.append(audit.entry("trading_account.change", entityType: "trading_account", entityID: record.reference,
                                                  before: AuditJSON.text(before), after: AuditJSON.text(settings)),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Audits an action that changes nothing Pipstack stores (a password reset).
    public func recordAction(_ action: String, on record: TradingAccountRecord, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        _ = try await db.transaction { sql in
            try await AuditLog.append(audit.entry(action, entityType: "trading_account", entityID: record.reference), at: now, on: sql, dialect: dialect)
        }
    }

    public func account(serverID: ServerID, login: TradingLogin) async throws -> TradingAccountRecord? {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM trading_accounts WHERE server_id = \(bind: serverID) AND login = \(bind: Int64(bitPattern: login.value))
                """).first().map(Self.decode)
        }
    }

    public func accounts(ofUser userID: String) async throws -> [TradingAccountRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM trading_accounts WHERE user_id = \(bind: userID) ORDER BY created_at DESC").all().map(Self.decode)
        }
    }

    /// Accounts for the back office, newest first, optionally one server's or one status.
    public func list(serverID: ServerID? = nil, status: TradingAccountRecord.Status? = nil, limit: Int = 500) async throws -> [TradingAccountRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM trading_accounts
                WHERE (\(bind: serverID ?? "") = '' OR server_id = \(bind: serverID ?? ""))
                  AND (\(bind: status?.rawValue ?? "") = '' OR status = \(bind: status?.rawValue ?? ""))
                ORDER BY created_at DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    /// Accounts still `creating` since before `cutoff` (µs): their creation was interrupted.
    public func staleCreating(before cutoff: Int64) async throws -> [TradingAccountRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM trading_accounts WHERE status = 'creating' AND updated_at < \(bind: cutoff)").all().map(Self.decode)
        }
    }

    static func decode(_ row: any SQLRow) throws -> TradingAccountRecord {
        let statusText = try row.decode(column: "status", as: String.self)
        return TradingAccountRecord(
            serverID: try row.decode(column: "server_id", as: ServerID.self),
            login: TradingLogin(UInt64(bitPattern: try row.decode(column: "login", as: Int64.self))),
            userID: try row.decode(column: "user_id", as: String.self),
            accountTypeID: try row.decode(column: "account_type_id", as: String.self),
            group: try row.decode(column: "mt_group", as: String.self), currency: try row.decode(column: "currency", as: String.self),
            leverage: try row.decode(column: "leverage", as: Int.self),
            status: TradingAccountRecord.Status(rawValue: statusText) ?? .failed,
            tradingEnabled: try row.decode(column: "trading_enabled", as: Int.self) == 1,
            requestID: try row.decode(column: "request_id", as: String.self), lastError: try row.decode(column: "last_error", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self), updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}

extension TradingAccountStore {
    /// An active account as books of commissions see it.
    public struct ActiveAccount: Sendable, Equatable {
        public let serverID: ServerID
        public let login: TradingLogin
        public let userID: String
        public let accountTypeID: String
        /// The brand the account was opened under; nil for one opened before brands were recorded whose owner is gone.
        public let brandID: BrandID?
    }

    /// Every active account, inside the caller's read.
    public static func active(on sql: any SQLDatabase) async throws -> [ActiveAccount] {
        try await sql.raw("SELECT server_id, login, user_id, account_type_id, brand_id FROM trading_accounts WHERE status = 'active'").all().map { row in
            let brand = try row.decode(column: "brand_id", as: String.self)
            return ActiveAccount(serverID: try row.decode(column: "server_id", as: ServerID.self),
                                 login: TradingLogin(UInt64(bitPattern: try row.decode(column: "login", as: Int64.self))),
                                 userID: try row.decode(column: "user_id", as: String.self),
                                 accountTypeID: try row.decode(column: "account_type_id", as: String.self), brandID: brand.isEmpty ? nil : BrandID(brand))
        }
    }
}

extension TradingAccountStore {
    /// An account of a client on a live server.
    public struct LiveAccount: Sendable, Equatable {
        public let serverID: ServerID
        public let login: Int64
        public let currency: String

        public var key: TradingAccountKey { TradingAccountKey(server: serverID, login: TradingLogin(UInt64(bitPattern: login))) }
    }

    /// The client's accounts on live servers, by server and login, inside the caller's read.
    public static func liveAccounts(of userID: String, on sql: any SQLDatabase) async throws -> [LiveAccount] {
        try await sql.raw("""
            SELECT a.server_id, a.login, a.currency FROM trading_accounts a JOIN trade_servers s ON s.id = a.server_id
            WHERE a.user_id = \(bind: userID) AND s.environment = 'live' ORDER BY a.server_id, a.login
            """).all().map {
            LiveAccount(serverID: try $0.decode(column: "server_id", as: ServerID.self), login: try $0.decode(column: "login", as: Int64.self),
                        currency: try $0.decode(column: "currency", as: String.self))
        }
    }
}

extension TradingAccountStore {
    /// The currency of the account, "" when Pipstack did not open it. Inside the caller's read.
    public static func currency(account: TradingAccountKey, on sql: any SQLDatabase) async throws -> String {
        try await sql.raw("SELECT currency FROM trading_accounts WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin)")
            .first()?.decode(column: "currency", as: String.self) ?? ""
    }
}

extension TradingAccountStore {
    /// Who holds an account with `login` on any server: the client list finds people by login.
    public static func owners(login: UInt64, on sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT DISTINCT user_id FROM trading_accounts WHERE login = \(bind: Int64(bitPattern: login))").all().map {
            try $0.decode(column: "user_id", as: String.self)
        }
    }

    /// How many trading accounts each of `users` holds.
    public static func accountCounts(of users: [String], on sql: any SQLDatabase) async throws -> [String: Int] {
        guard !users.isEmpty else { return [:] }
        var text = SQLQueryString("SELECT user_id, COUNT(*) AS n FROM trading_accounts WHERE status = 'active' AND user_id IN (")
        for (index, user) in users.enumerated() {
            if index > 0 { text.appendLiteral(", ") }
            text.appendInterpolation(bind: user)
        }
        text.appendLiteral(") GROUP BY user_id")
        var counts: [String: Int] = [:]
        for row in try await sql.raw(text).all() { counts[try row.decode(column: "user_id", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return counts
    }
}

extension TradingAccountStore {
    /// How many accounts are active, and how many of them were opened since `since`, of
    /// one brand or of all: the home's figures, counted by the database.
    public func activeCounts(openedSince since: Int64, brand: BrandID? = nil) async throws -> (active: Int64, new: Int64) {
        try await db.read { sql in
            let row = try await sql.raw("""
                SELECT COUNT(*) AS active, COALESCE(SUM(CASE WHEN created_at >= \(bind: since) THEN 1 ELSE 0 END), 0) AS fresh
                FROM trading_accounts WHERE status = 'active' \(Self.brandFilter(brand))
                """).first()
            return (try row?.decode(column: "active", as: Int64.self) ?? 0, try row?.decode(column: "fresh", as: Int64.self) ?? 0)
        }
    }

    /// Active accounts opened per UTC day in [from, to), of one brand or of all, keyed by
    /// the day's first microsecond: the back office's "new trading accounts" chart.
    public func openedPerDay(from: Int64, to: Int64, brand: BrandID? = nil) async throws -> [Int64: Int64] {
        let day: Int64 = 86_400_000_000
        return try await db.read { sql in
            var counts: [Int64: Int64] = [:]
            for row in try await sql.raw("""
                SELECT created_at / \(unsafeRaw: String(day)) AS day, COUNT(*) AS opened FROM trading_accounts
                WHERE status = 'active' AND created_at >= \(bind: from) AND created_at < \(bind: to) \(Self.brandFilter(brand))
                GROUP BY created_at / \(unsafeRaw: String(day))
                """).all() {
                counts[try row.decode(column: "day", as: Int64.self) * day] = try row.decode(column: "opened", as: Int64.self)
            }
            return counts
        }
    }

    static func brandFilter(_ brand: BrandID?) -> SQLQueryString {
        brand.map { "AND brand_id = \(bind: $0.rawValue)" } ?? ""
    }
}

extension TradingAccountStore {
    /// Gives accounts recorded before brands were (`brand_id` empty) their owner's brand,
    /// through Identity's published read, and recounts the daily active accounts per brand
    /// when any changed. Run at start-up; with nothing to assign it is one indexed read.
    @discardableResult
    public func assignMissingBrands() async throws -> Int {
        try await db.transaction { sql in
            let owners = try await sql.raw("SELECT DISTINCT user_id FROM trading_accounts WHERE brand_id = ''").all()
                .map { try $0.decode(column: "user_id", as: String.self) }
            guard !owners.isEmpty else { return 0 }
            var assigned = 0
            for (owner, brand) in try await UserDirectory.brands(of: owners, on: sql) where !brand.rawValue.isEmpty {
                try await sql.raw("UPDATE trading_accounts SET brand_id = \(bind: brand.rawValue) WHERE user_id = \(bind: owner) AND brand_id = ''").run()
                assigned += 1
            }
            guard assigned > 0 else { return 0 }
            try await sql.raw("DELETE FROM trade_active_day_counts").run()
            try await sql.raw("""
                INSERT INTO trade_active_day_counts (day, server_id, brand_id, accounts)
                SELECT d.day, d.server_id, COALESCE(a.brand_id, ''), COUNT(*) FROM trade_active_days d
                LEFT JOIN trading_accounts a ON a.server_id = d.server_id AND a.login = d.login
                GROUP BY d.day, d.server_id, COALESCE(a.brand_id, '')
                """).run()
            return assigned
        }
    }
}
