import BrokerCore
import Identity
import Money
import SQLKit
import Platform

/// A balance operation Pipstack was asked to do on a trading account, and where it stands.
public struct BalanceOperationRecord: Sendable, Equatable, Codable {
    /// `pending`: nothing sent yet. `sending`: the server may have it (a retry
    /// searches its deals first). `done` and `failed` are final.
    public enum Status: String, Sendable, Codable, CaseIterable { case pending, sending, done, failed }

    public var id: String
    public var serverID: ServerID
    public var login: TradingLogin
    public var kind: BalanceOperation.Kind
    /// In the trading account's currency, minor units, positive (a correction may be negative).
    public var amount: Int64
    public var currency: String
    /// The client whose wallet pays or receives (deposits and withdrawals).
    public var walletOwner: String
    /// In the wallet's currency: differs from `amount` only for cent accounts.
    public var walletAmount: Int64
    public var walletCurrency: String
    public var comment: String
    public var status: Status
    public var dealTicket: UInt64
    public var attempts: Int
    public var firstSentAt: Int64
    public var leaseUntil: Int64
    public var lastError: String
    public var requestedBy: String
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// What someone asks for; `id` is the caller's idempotency key.
public struct BalanceOperationRequest: Sendable, Equatable {
    public var id: String
    public var serverID: ServerID
    public var login: TradingLogin
    public var kind: BalanceOperation.Kind
    public var amount: Money
    public var walletOwner: String
    public var comment: String

    public init(id: String, serverID: ServerID, login: TradingLogin, kind: BalanceOperation.Kind, amount: Money, walletOwner: String, comment: String = "") {
        self.id = id
        self.serverID = serverID
        self.login = login
        self.kind = kind
        self.amount = amount
        self.walletOwner = walletOwner
        self.comment = comment
    }
}

/// Why a balance operation request was refused before anything happened.
public enum BalanceOperationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(field: String, String)
    case idempotencyConflict(String)

    public var description: String {
        switch self {
        case let .invalid(field, message): "\(field): \(message)"
        case let .idempotencyConflict(id): "operation \(id) was already requested with different content"
        }
    }
}

/// The outbox of balance operations: a request is stored first, then sent by the
/// dispatcher; a crash at any point leaves a row that a later claim finishes.
public struct BalanceOperationStore: Sendable {
    public let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    /// Cent accounts are funded from a wallet in the currency they count cents of.
    public static func walletCurrency(for accountCurrency: Currency) -> (currency: Currency, centsPerUnit: Int64) {
        accountCurrency.code == "USC" ? (Currency.usd, 100) : (accountCurrency, 1)
    }

    /// Stores a request; asking again with the same id and content returns the
    /// stored operation, with different content is refused.
    public func request(_ request: BalanceOperationRequest, for account: TradingAccountRecord, audit: AuditContext) async throws -> BalanceOperationRecord {
        guard (1...BalanceOperation.maxOperationIDLength).contains(request.id.count),
              request.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw BalanceOperationError.invalid(field: "id", "1 to \(BalanceOperation.maxOperationIDLength) of A-Z, a-z, 0-9, _ and -")
        }
        guard request.amount.currency.code == account.currency else {
            throw BalanceOperationError.invalid(field: "amount", "the account is held in \(account.currency), not \(request.amount.currency.code)")
        }
        guard request.kind == .correction ? request.amount.minorUnits != 0 : request.amount.minorUnits > 0 else {
            throw BalanceOperationError.invalid(field: "amount", "must be positive (a correction may be negative, not zero)")
        }
        guard (try? PlatformAmount(request.amount)) != nil else { throw BalanceOperationError.invalid(field: "amount", "too large") }
        let wallet = Self.walletCurrency(for: request.amount.currency)
        guard request.amount.minorUnits % wallet.centsPerUnit == 0 else {
            throw BalanceOperationError.invalid(field: "amount", "a cent account moves whole \(wallet.currency.code) cents: use a multiple of \(wallet.centsPerUnit)")
        }
        if request.kind == .deposit || request.kind == .withdrawal, request.walletOwner.isEmpty {
            throw BalanceOperationError.invalid(field: "wallet", "deposits and withdrawals need the client's wallet")
        }
        guard request.comment.count <= 200 else { throw BalanceOperationError.invalid(field: "comment", "at most 200 characters") }
        let now = clock.nowMicros()
        let record = BalanceOperationRecord(
            id: request.id, serverID: request.serverID, login: request.login, kind: request.kind, amount: request.amount.minorUnits,
            currency: request.amount.currency.code, walletOwner: request.walletOwner, walletAmount: request.amount.minorUnits / wallet.centsPerUnit,
            walletCurrency: wallet.currency.code, comment: request.comment, status: .pending, dealTicket: 0, attempts: 0, firstSentAt: 0,
            leaseUntil: 0, lastError: "", requestedBy: audit.actor, createdAt: now, updatedAt: now)
        let dialect = db.dialect
        return try await db.transaction { sql in
            let inserted = try await sql.raw("""
                INSERT INTO balance_operations (id, server_id, login, kind, amount, currency, wallet_owner, wallet_amount, wallet_currency,
                    comment, status, deal_ticket, attempts, first_sent_at, lease_until, last_error, requested_by, created_at, updated_at)
                VALUES (\(bind: record.id), \(bind: record.serverID), \(bind: Int64(bitPattern: record.login.value)), \(bind: record.kind.rawValue),
                    \(bind: record.amount), \(bind: record.currency), \(bind: record.walletOwner), \(bind: record.walletAmount),
                    \(bind: record.walletCurrency), \(bind: record.comment), 'pending', 0, 0, 0, 0, '', \(bind: record.requestedBy),
                    \(bind: now), \(bind: now))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """).all()
            if inserted.isEmpty {
                guard let existing = try await sql.raw("SELECT * FROM balance_operations WHERE id = \(bind: record.id)").first().map(Self.decode),
                      existing.serverID == record.serverID, existing.login == record.login, existing.kind == record.kind,
                      existing.amount == record.amount, existing.currency == record.currency, existing.walletOwner == record.walletOwner else {
                    throw BalanceOperationError.idempotencyConflict(record.id)
                }
                return existing
            }
            try await AuditLog.append(audit.entry("balance_operation.request", entityType: "balance_operation", entityID: record.id,
                                                  after: AuditJSON.text(record)), at: now, on: sql, dialect: dialect)
            return record
        }
    }

    /// Leases up to `limit` unfinished operations whose lease has run out.
    public func claim(limit: Int, leaseSeconds: Int64) async throws -> [BalanceOperationRecord] {
        let now = clock.nowMicros()
        let until = now + leaseSeconds * 1_000_000
        return try await db.transaction { sql in
            try await sql.raw("""
                UPDATE balance_operations SET lease_until = \(bind: until), attempts = attempts + 1, updated_at = \(bind: now)
                WHERE id IN (SELECT id FROM balance_operations WHERE status IN ('pending', 'sending') AND lease_until <= \(bind: now)
                             ORDER BY created_at LIMIT \(bind: limit))
                RETURNING *
                """).all().map(Self.decode).sorted { $0.createdAt < $1.createdAt }
        }
    }

    /// Marks an operation as possibly on the server, before its request leaves,
    /// and renews the lease for the call.
    public func markSending(_ id: String, leaseSeconds: Int64) async throws -> Int64 {
        let now = clock.nowMicros()
        return try await db.transaction { sql in
            try await sql.raw("""
                UPDATE balance_operations SET status = 'sending', lease_until = \(bind: now + leaseSeconds * 1_000_000),
                    first_sent_at = CASE WHEN first_sent_at = 0 THEN \(bind: now) ELSE first_sent_at END, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status IN ('pending', 'sending') RETURNING first_sent_at
                """).first()?.decode(column: "first_sent_at", as: Int64.self) ?? now
        }
    }

    /// Records the final outcome, audited.
    public func finish(_ id: String, status: BalanceOperationRecord.Status, dealTicket: UInt64 = 0, error: String = "") async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE balance_operations SET status = \(bind: status.rawValue), deal_ticket = \(bind: Int64(bitPattern: dealTicket)),
                    last_error = \(bind: String(error.prefix(500))), lease_until = 0, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status IN ('pending', 'sending') RETURNING id
                """).all()
            guard !rows.isEmpty else { return }
            try await AuditLog.append(AuditContext.system.entry("balance_operation.\(status.rawValue)", entityType: "balance_operation", entityID: id,
                                                                after: AuditJSON.text(["deal": "\(dealTicket)", "error": error])),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Gives an operation back for a later attempt.
    public func release(_ id: String, retryInSeconds: Int64, error: String) async throws {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE balance_operations SET lease_until = \(bind: now + retryInSeconds * 1_000_000), last_error = \(bind: String(error.prefix(500))),
                    updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status IN ('pending', 'sending')
                """).run()
        }
    }

    /// Wallet money (minor units) that deposits not yet claimed by the dispatcher will
    /// take: the dispatcher takes it from the wallet when it first claims them.
    public func waitingDeposits(walletOwner: String, currency: Currency) async throws -> Int64 {
        try await db.read { sql in
            try await sql.raw("""
                SELECT CAST(COALESCE(SUM(wallet_amount), 0) AS BIGINT) AS waiting FROM balance_operations
                WHERE wallet_owner = \(bind: walletOwner) AND wallet_currency = \(bind: currency.code) AND kind = 'deposit' AND status = 'pending' AND attempts = 0
                """).first()?.decode(column: "waiting", as: Int64.self) ?? 0
        }
    }

    public func operation(_ id: String) async throws -> BalanceOperationRecord? {
        try await db.read { sql in try await sql.raw("SELECT * FROM balance_operations WHERE id = \(bind: id)").first().map(Self.decode) }
    }

    public func operations(serverID: ServerID, login: TradingLogin, limit: Int = 200) async throws -> [BalanceOperationRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM balance_operations WHERE server_id = \(bind: serverID) AND login = \(bind: Int64(bitPattern: login.value))
                ORDER BY created_at DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    public func list(status: BalanceOperationRecord.Status? = nil, limit: Int = 500) async throws -> [BalanceOperationRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM balance_operations WHERE (\(bind: status?.rawValue ?? "") = '' OR status = \(bind: status?.rawValue ?? ""))
                ORDER BY created_at DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    static func decode(_ row: any SQLRow) throws -> BalanceOperationRecord {
        func int(_ column: String) throws -> Int64 { try row.decode(column: column, as: Int64.self) }
        func text(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
        guard let kind = BalanceOperation.Kind(rawValue: try text("kind")), let status = BalanceOperationRecord.Status(rawValue: try text("status")) else {
            throw StorageError.corruptRow(table: "balance_operations", row: (try? text("id")) ?? "?", "unknown kind or status")
        }
        return BalanceOperationRecord(
            id: try text("id"), serverID: ServerID(try text("server_id")), login: TradingLogin(UInt64(bitPattern: try int("login"))), kind: kind,
            amount: try int("amount"), currency: try text("currency"), walletOwner: try text("wallet_owner"), walletAmount: try int("wallet_amount"),
            walletCurrency: try text("wallet_currency"), comment: try text("comment"), status: status,
            dealTicket: UInt64(bitPattern: try int("deal_ticket")), attempts: Int(try int("attempts")), firstSentAt: try int("first_sent_at"),
            leaseUntil: try int("lease_until"), lastError: try text("last_error"), requestedBy: try text("requested_by"),
            createdAt: try int("created_at"), updatedAt: try int("updated_at"))
    }
}

extension BalanceOperationStore {
    /// Bonuses given on the account and done in [from, to), in minor units of the account currency. Inside the caller's read.
    public static func bonuses(account: TradingAccountKey, from: Int64, to: Int64, on sql: any SQLDatabase) async throws -> Int64 {
        try await sql.raw("""
            SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS bonuses FROM balance_operations
            WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin) AND kind = 'bonus' AND status = 'done'
                AND created_at >= \(bind: from) AND created_at < \(bind: to)
            """).first()?.decode(column: "bonuses", as: Int64.self) ?? 0
    }
}
