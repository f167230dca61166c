import BrokerCore
import Platform
import SQLKit

extension DepositStore {
    /// Records a verified delivery and applies it, in one transaction: the first
    /// delivery of an event moves its deposit forward (never back); a repeat only
    /// counts itself. An event about a payment Pipstack does not know, or whose amount
    /// differs from the deposit's, is kept and changes nothing.
    public func apply(_ event: CardEvent, provider: PaymentProviderID, body: String) async throws -> (outcome: WebhookOutcome, deposit: DepositID?) {
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            let first = try await sql.raw("""
                INSERT INTO payment_webhooks (provider, event_id, type, deposit_id, outcome, body, deliveries, received_at)
                VALUES (\(bind: provider.rawValue), \(bind: event.id), \(bind: String(event.type.prefix(100))), '', 'received', \(bind: body), 1, \(bind: now))
                ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id
                """).first() != nil
            guard first else {
                let row = try await sql.raw("""
                    UPDATE payment_webhooks SET deliveries = deliveries + 1 WHERE provider = \(bind: provider.rawValue) AND event_id = \(bind: event.id)
                    RETURNING deposit_id
                    """).first()
                let deposit = try row?.decode(column: "deposit_id", as: String.self)
                return (.duplicate, deposit.flatMap { $0.isEmpty ? nil : DepositID($0) })
            }
            let deposit = try await Self.deposit(where: "provider = \(bind: provider.rawValue) AND provider_payment = \(bind: event.paymentIntent)", on: sql)
            let outcome: WebhookOutcome
            if let deposit {
                if event.state == nil {
                    outcome = .ignored
                } else if event.state == .approved, event.amount != deposit.amount.minorUnits || event.currency != deposit.amount.currency.code {
                    outcome = .mismatch
                } else if let next = event.state, deposit.state.accepts(next) {
                    try await Self.move(deposit, to: next, because: ["event": event.id], actor: "psp:\(provider.rawValue)", at: now, on: sql, dialect: dialect)
                    outcome = .applied
                } else {
                    outcome = .stale
                }
            } else {
                outcome = .unknownPayment
            }
            try await sql.raw("""
                UPDATE payment_webhooks SET outcome = \(bind: outcome.rawValue), deposit_id = \(bind: deposit?.id.rawValue ?? "")
                WHERE provider = \(bind: provider.rawValue) AND event_id = \(bind: event.id)
                """).run()
            return (outcome, deposit?.id)
        }
    }

    /// Moves `deposit` to `next` and audits it, inside the caller's transaction.
    static func move(_ deposit: Deposit, to next: DepositState, because: [String: String], actor: String, at now: Int64,
                     on sql: any SQLDatabase, dialect: SQLDialectKind) async throws {
        try await sql.raw("""
            UPDATE payment_deposits SET state = \(bind: next.rawValue), updated_at = \(bind: now) WHERE id = \(bind: deposit.id.rawValue)
            """).run()
        try await AuditLog.append(AuditContext(actor: actor).entry("deposit.\(next.rawValue)", entityType: "deposit", entityID: deposit.id,
                                                                  before: AuditJSON.text(["state": deposit.state.rawValue]),
                                                                  after: AuditJSON.text(because.merging(["state": next.rawValue]) { first, _ in first })),
                                  at: now, on: sql, dialect: dialect)
    }

    /// Moves a deposit to what the provider answered when asked (never back): the other
    /// way, besides a signed event, that an approval may arrive. An approval whose amount
    /// differs from the deposit's changes nothing.
    public func applyQueried(_ id: DepositID, state: DepositState, amount: Int64, currency: String, actor: String) async throws -> WebhookOutcome {
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            guard let deposit = try await Self.deposit(where: "id = \(bind: id.rawValue)", on: sql) else { return .unknownPayment }
            if state == .approved, amount != deposit.amount.minorUnits || currency.uppercased() != deposit.amount.currency.code { return .mismatch }
            guard deposit.state.accepts(state) else { return .stale }
            try await Self.move(deposit, to: state, because: ["source": "status query"], actor: actor, at: now, on: sql, dialect: dialect)
            return .applied
        }
    }

    /// Deposits still at the provider's page (or 3-D Secure) since before `cutoff`, oldest first.
    public func waiting(since cutoff: Int64, limit: Int = 100) async throws -> [Deposit] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM payment_deposits WHERE state IN ('pending', 'redirected', 'three_ds') AND updated_at < \(bind: cutoff)
                ORDER BY updated_at LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    /// Audits a step staff took on a deposit.
    public func note(_ id: DepositID, action: String, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await AuditLog.append(audit.entry(action, entityType: "deposit", entityID: id), at: now, on: sql, dialect: dialect)
        }
    }

    /// Deposits, newest first, of one state or all, before the keyset `before` (created_at, id).
    public func list(state: DepositState?, before: (Int64, String)?, limit: Int) async throws -> [Deposit] {
        try await db.read { sql in
            let stateFilter: SQLQueryString = state.map { "AND state = \(bind: $0.rawValue)" } ?? ""
            let keyset: SQLQueryString = before.map { "AND (created_at < \(bind: $0.0) OR (created_at = \(bind: $0.0) AND id < \(bind: $0.1)))" } ?? ""
            return try await sql.raw("""
                SELECT * FROM payment_deposits WHERE 1 = 1 \(stateFilter) \(keyset) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    /// The provider was asked and the client may still complete the payment: ask again later.
    public func asked(_ id: DepositID) async throws {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("UPDATE payment_deposits SET updated_at = \(bind: now) WHERE id = \(bind: id.rawValue)").run()
        }
    }

    /// Keeps a delivery that was refused (bad signature, not an event), with the reason.
    public func keepRefused(provider: String, reason: String, signature: String, body: String) async throws {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO payment_webhook_refusals (provider, reason, signature, body, received_at)
                VALUES (\(bind: String(provider.prefix(64))), \(bind: String(reason.prefix(500))), \(bind: String(signature.prefix(1000))), \(bind: body), \(bind: now))
                """).run()
        }
    }

    /// Deliveries kept for review, newest first: refused ones, and verified ones that
    /// named an unknown payment or a different amount.
    public func deliveriesForReview(limit: Int = 100) async throws -> [(provider: String, outcome: String, reason: String, receivedAt: Int64)] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT provider, 'refused' AS outcome, reason, received_at FROM payment_webhook_refusals
                UNION ALL SELECT provider, outcome, type AS reason, received_at FROM payment_webhooks WHERE outcome IN ('unknown_payment', 'mismatch')
                ORDER BY received_at DESC LIMIT \(bind: limit)
                """).all().map {
                (try $0.decode(column: "provider", as: String.self), try $0.decode(column: "outcome", as: String.self),
                 try $0.decode(column: "reason", as: String.self), try $0.decode(column: "received_at", as: Int64.self))
            }
        }
    }
}
