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
                VALUES (\(bind: provider.rawValue), \(bind: event.id), \(bind: Self.storable(event.type, bytes: 100)), '', 'received',
                    \(bind: Self.storable(body, bytes: 256 * 1024)), 1, \(bind: now))
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
            let found = try await Self.deposit(where: "provider = \(bind: provider.rawValue) AND provider_payment = \(bind: event.paymentIntent)", on: sql)
            let outcome: WebhookOutcome
            if let deposit = found {
                if event.state == nil {
                    outcome = .ignored
                } else if event.amount != deposit.amount.minorUnits || event.currency != deposit.amount.currency.code {
                    // An approval, refund or dispute of another amount (a partial refund, say) is for a person to look at.
                    outcome = .mismatch
                } else if let next = event.state {
                    outcome = try await Self.advance(deposit, to: next, because: ["event": event.id], actor: "psp:\(provider.rawValue)", at: now, on: sql,
                                                     dialect: dialect)
                } else {
                    outcome = .stale
                }
            } else {
                outcome = .unknownPayment
            }
            let deposit = found
            try await sql.raw("""
                UPDATE payment_webhooks SET outcome = \(bind: outcome.rawValue), deposit_id = \(bind: deposit?.id.rawValue ?? "")
                WHERE provider = \(bind: provider.rawValue) AND event_id = \(bind: event.id)
                """).run()
            return (outcome, deposit?.id)
        }
    }

    /// Moves `deposit` to `next` if its status accepts it. Another transaction may have
    /// moved it since it was read (on PostgreSQL): then it is read again and judged on
    /// its status now, so an approval that lost the race to a failure still counts.
    static func advance(_ deposit: Deposit, to next: DepositState, because: [String: String], actor: String, at now: Int64,
                        on sql: any SQLDatabase, dialect: SQLDialectKind) async throws -> WebhookOutcome {
        var current = deposit
        for _ in 0..<4 {
            guard current.state.accepts(next) else { return .stale }
            if try await move(current, to: next, because: because, actor: actor, at: now, on: sql, dialect: dialect) { return .applied }
            guard let again = try await Self.deposit(where: "id = \(bind: deposit.id.rawValue)", on: sql) else { return .stale }
            current = again
        }
        return .stale
    }

    /// Moves `deposit` to `next` and audits it, inside the caller's transaction; only
    /// from the state it was read in, so that two deliveries read at once cannot both
    /// move it (on PostgreSQL they may). False, with nothing changed, when another got there first.
    static func move(_ deposit: Deposit, to next: DepositState, because: [String: String], actor: String, at now: Int64,
                     on sql: any SQLDatabase, dialect: SQLDialectKind) async throws -> Bool {
        guard try await sql.raw("""
            UPDATE payment_deposits SET state = \(bind: next.rawValue), updated_at = \(bind: now)
            WHERE id = \(bind: deposit.id.rawValue) AND state = \(bind: deposit.state.rawValue) RETURNING id
            """).first() != nil else { return false }
        try await AuditLog.append(AuditContext(actor: actor).entry("deposit.\(next.rawValue)", entityType: "deposit", entityID: deposit.id,
                                                                  before: AuditJSON.text(["state": deposit.state.rawValue]),
                                                                  after: AuditJSON.text(because.merging(["state": next.rawValue]) { first, _ in first })),
                                  at: now, on: sql, dialect: dialect)
        return true
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
            return try await Self.advance(deposit, to: state, because: ["source": "status query"], actor: actor, at: now, on: sql, dialect: dialect)
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

    /// Text as a TEXT column takes it from anyone: no NUL (PostgreSQL refuses it), at most
    /// `bytes` of UTF-8.
    static func storable(_ text: String, bytes: Int) -> String {
        let clean = text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "") : text
        return clean.utf8.count <= bytes ? clean : String(decoding: clean.utf8.prefix(bytes), as: UTF8.self)
    }

    /// Keeps a delivery that was refused (bad signature, not an event), with the reason.
    public func keepRefused(provider: String, reason: String, signature: String, body: String) async throws {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO payment_webhook_refusals (provider, reason, signature, body, received_at)
                VALUES (\(bind: Self.storable(provider, bytes: 64)), \(bind: Self.storable(reason, bytes: 500)), \(bind: Self.storable(signature, bytes: 1000)),
                    \(bind: Self.storable(body, bytes: 16 * 1024)), \(bind: now))
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
