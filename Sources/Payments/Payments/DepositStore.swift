import BrokerCore
import Foundation
import Money
import Platform
import SQLKit

/// Deposits and the webhook deliveries about them. A delivery is recorded, checked
/// against what came before and applied in one transaction, so a repeated or late
/// delivery changes nothing and a crash leaves either all of it or none.
public struct DepositStore: Sendable {
    let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case keyReused(String)
        public var description: String {
            switch self {
            case let .keyReused(key): "idempotency key \(key) was used for another deposit"
            }
        }
    }

    /// Records a new deposit, or returns the one recorded under the same idempotency
    /// key (a repeated form or API call); the same key with other details is refused.
    public func create(userID: UserID, provider: PaymentProviderID, amount: Money, idempotencyKey: String, audit: AuditContext) async throws -> Deposit {
        let now = clock.nowMicros()
        let id = DepositID("dep_\(Tokens.random(bytes: 10))")
        let dialect = db.dialect
        let deposit = try await db.transaction { sql -> Deposit in
            let inserted = try await sql.raw("""
                INSERT INTO payment_deposits (id, user_id, provider, currency, amount, state, provider_payment, redirect_url, idempotency_key,
                    credited, reversed, reason, created_at, updated_at)
                VALUES (\(bind: id.rawValue), \(bind: userID.rawValue), \(bind: provider.rawValue), \(bind: amount.currency.code), \(bind: amount.minorUnits),
                    'initiated', '', '', \(bind: idempotencyKey), 0, 0, '', \(bind: now), \(bind: now))
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
                """).first() != nil
            guard let stored = try await Self.deposit(where: "idempotency_key = \(bind: idempotencyKey)", on: sql) else {
                throw StorageError.notFound("deposit \(idempotencyKey)")
            }
            guard stored.userID == userID, stored.provider == provider, stored.amount == amount else { throw Refusal.keyReused(idempotencyKey) }
            if inserted {
                try await AuditLog.append(audit.entry("deposit.initiated", entityType: "deposit", entityID: id,
                                                      after: AuditJSON.text(["amount": amount.description, "provider": provider.rawValue])),
                                          at: now, on: sql, dialect: dialect)
            }
            return stored
        }
        return deposit
    }

    /// The provider took the payment: its id and the page the client completes it on.
    public func redirected(_ id: DepositID, providerPayment: String, redirectURL: String) async throws {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE payment_deposits SET provider_payment = \(bind: providerPayment), redirect_url = \(bind: redirectURL),
                    state = CASE WHEN state IN ('initiated', 'pending') THEN 'redirected' ELSE state END, updated_at = \(bind: now)
                WHERE id = \(bind: id.rawValue) AND provider_payment = ''
                """).run()
        }
    }

    /// The provider could not be asked: the deposit ends declined, with the reason for staff.
    public func failedToStart(_ id: DepositID, reason: String, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE payment_deposits SET state = 'declined', reason = \(bind: String(reason.prefix(500))), updated_at = \(bind: now)
                WHERE id = \(bind: id.rawValue) AND state = 'initiated'
                """).run()
            try await AuditLog.append(audit.entry("deposit.declined", entityType: "deposit", entityID: id, after: AuditJSON.text(["reason": reason])),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Records many deposits already waiting at the provider's page, 500 to a statement:
    /// how `bench payments` seeds its data (`(deposit id, the provider's payment id)` each).
    public func bulkWaiting(_ payments: [(id: DepositID, providerPayment: String)], userID: UserID, provider: PaymentProviderID, amount: Money) async throws {
        let now = clock.nowMicros()
        for start in stride(from: 0, to: payments.count, by: 500) {
            try await db.transaction { sql in
                var query = SQLQueryString("""
                    INSERT INTO payment_deposits (id, user_id, provider, currency, amount, state, provider_payment, redirect_url, idempotency_key,
                        credited, reversed, reason, created_at, updated_at) VALUES
                    """)
                for (offset, payment) in payments[start..<min(payments.count, start + 500)].enumerated() {
                    if offset > 0 { query.appendLiteral(", ") }
                    let row: SQLQueryString = """
                        (\(bind: payment.id.rawValue), \(bind: userID.rawValue), \(bind: provider.rawValue), \(bind: amount.currency.code), \(bind: amount.minorUnits),
                        'redirected', \(bind: payment.providerPayment), '', \(bind: "bulk:" + payment.id.rawValue), 0, 0, '', \(bind: now), \(bind: now))
                        """
                    query.appendInterpolation(row)
                }
                try await sql.raw(query).run()
            }
        }
    }

    /// How many deposits are in their wallets.
    public func creditedCount() async throws -> Int64 {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM payment_deposits WHERE credited = 1").first()?.decode(column: "n", as: Int64.self) ?? 0
        }
    }

    public func deposit(idempotencyKey: String) async throws -> Deposit? {
        try await db.read { sql in try await Self.deposit(where: "idempotency_key = \(bind: idempotencyKey)", on: sql) }
    }

    public func deposit(_ id: DepositID) async throws -> Deposit? {
        try await db.read { sql in try await Self.deposit(where: "id = \(bind: id.rawValue)", on: sql) }
    }

    /// A client's deposits, newest first.
    public func deposits(of userID: UserID, limit: Int = 50) async throws -> [Deposit] {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM payment_deposits WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)")
                .all().map(Self.decode)
        }
    }

    static func deposit(where condition: SQLQueryString, on sql: any SQLDatabase) async throws -> Deposit? {
        try await sql.raw("SELECT * FROM payment_deposits WHERE \(condition)").first().map(decode)
    }

    static func decode(_ row: any SQLRow) throws -> Deposit {
        let currency = try row.decode(column: "currency", as: String.self)
        guard let code = Currency(code: currency) else { throw StorageError.brokenInvariant("deposit in unknown currency \(currency)") }
        let state = try row.decode(column: "state", as: String.self)
        guard let parsed = DepositState(rawValue: state) else { throw StorageError.brokenInvariant("deposit in unknown state \(state)") }
        return Deposit(id: DepositID(try row.decode(column: "id", as: String.self)), userID: UserID(try row.decode(column: "user_id", as: String.self)),
                       provider: PaymentProviderID(try row.decode(column: "provider", as: String.self)),
                       amount: Money(minorUnits: try row.decode(column: "amount", as: Int64.self), currency: code), state: parsed,
                       providerPayment: try row.decode(column: "provider_payment", as: String.self),
                       redirectURL: try row.decode(column: "redirect_url", as: String.self),
                       idempotencyKey: try row.decode(column: "idempotency_key", as: String.self),
                       credited: try row.decode(column: "credited", as: Int.self) == 1,
                       reversed: try row.decode(column: "reversed", as: Int.self) != 0, reason: try row.decode(column: "reason", as: String.self),
                       createdAt: try row.decode(column: "created_at", as: Int64.self), updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}
