import BrokerCore
import Ledger
import LedgerCore
import Money
import Platform
import SQLKit

/// Takes refunded and charged-back deposits back out of the client's wallet. What the
/// wallet holds goes back to PSP clearing, up to the amount; what it no longer holds
/// (the client moved it to a trading account, or withdrew it) is recorded as the
/// client's debt, so no wallet goes below zero and the ledger still balances. A
/// chargeback also records a hold on the client's withdrawals until staff lift it
/// (withdrawals, still to come, check it; transfers to trading accounts do not).
extension DepositCredits {
    @discardableResult
    public func reverseReturned(only: DepositID? = nil) async throws -> Int {
        let pending = try await db.read { sql in
            let one: SQLQueryString = only.map { "AND id = \(bind: $0.rawValue)" } ?? ""
            return try await sql.raw("""
                SELECT * FROM payment_deposits WHERE state IN ('refunded', 'charged_back') AND reversed = 0 \(one) ORDER BY updated_at LIMIT 500
                """).all().map(DepositStore.decode)
        }
        var reversed = 0
        for deposit in pending {
            // The ledger says whether the money went in: a crash may have come between the posting and the flag.
            let wentIn = deposit.credited ? true : try await ledger.isPosted("deposit:\(deposit.id.rawValue)")
            guard wentIn else {
                // Never credited. A crediting pass that read it while it was approved may still be posting, so
                // only once that cannot be is it settled as having nothing to take back.
                if deposit.updatedAt < clock.nowMicros() - Self.settleAfter {
                    try await db.transaction { sql in
                        try await sql.raw("UPDATE payment_deposits SET reversed = 2 WHERE id = \(bind: deposit.id.rawValue) AND reversed = 0 AND credited = 0").run()
                    }
                }
                continue
            }
            reversed += 1
            let key = "deposit-return:\(deposit.id.rawValue)"
            // The split depends on the wallet when it was posted: after a crash the posting stands as it was.
            if try await !ledger.isPosted(key) {
                let posted = try await ledger.post(Self.returning(deposit, held: try await ledger.balance(of: Self.wallet(of: deposit)), key: key,
                                                                  at: clock.nowMicros()))
                guard posted != .keyConflict else { throw StorageError.brokenInvariant("the return of deposit \(deposit.id) was posted with other content") }
            }
            let now = clock.nowMicros()
            try await db.transaction { sql in
                try await sql.raw("UPDATE payment_deposits SET reversed = 1, credited = 1 WHERE id = \(bind: deposit.id.rawValue) AND reversed = 0").run()
                if deposit.state == .chargedBack {
                    try await sql.raw("""
                        INSERT INTO payment_holds (user_id, deposit_id, reason, created_at) VALUES (\(bind: deposit.userID.rawValue), \(bind: deposit.id.rawValue),
                            'chargeback', \(bind: now)) ON CONFLICT DO NOTHING
                        """).run()
                }
            }
        }
        return reversed
    }

    /// How long a returned deposit that was never credited waits before it is settled as such.
    static let settleAfter: Int64 = 3_600 * 1_000_000

    static func wallet(of deposit: Deposit) -> LedgerAccount {
        LedgerAccount(kind: .clientWallet, owner: deposit.userID.rawValue, currency: deposit.amount.currency)
    }

    /// The balanced transaction that takes `deposit` back, given what the wallet holds.
    static func returning(_ deposit: Deposit, held: Int64, key: String, at time: Int64) -> LedgerTransaction {
        let amount = deposit.amount.minorUnits
        let fromWallet = min(max(0, held), amount)
        var postings = [Posting(account: LedgerAccount(kind: .pspClearing, owner: deposit.provider.rawValue, currency: deposit.amount.currency), amount: amount)]
        if fromWallet > 0 { postings.append(Posting(account: wallet(of: deposit), amount: -fromWallet)) }
        if amount > fromWallet {
            postings.append(Posting(account: LedgerAccount(kind: .suspense, owner: "client_debt:\(deposit.userID.rawValue)", currency: deposit.amount.currency),
                                    amount: -(amount - fromWallet)))
        }
        let refund = deposit.state == .refunded
        return LedgerTransaction(idempotencyKey: key, kind: refund ? "deposit_refund" : "chargeback",
                                 memo: "\(refund ? "refund" : "chargeback") of deposit \(deposit.id.rawValue)", occurredAt: time, postings: postings)
    }

    /// Staff lift the hold a chargeback put on the client's withdrawals (the dispute is
    /// resolved, or the debt settled); audited. False when there was no hold to lift.
    @discardableResult
    public func liftHold(of deposit: DepositID, audit: AuditContext) async throws -> Bool {
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            guard try await sql.raw("""
                UPDATE payment_holds SET lifted_at = \(bind: now) WHERE deposit_id = \(bind: deposit.rawValue) AND lifted_at IS NULL RETURNING user_id
                """).first() != nil else { return false }
            try await AuditLog.append(audit.entry("payment_hold.lifted", entityType: "deposit", entityID: deposit), at: now, on: sql, dialect: dialect)
            return true
        }
    }

    /// Whether the client's withdrawals are held (a chargeback staff have not cleared).
    public func isHeld(_ userID: UserID) async throws -> Bool {
        try await db.read { sql in
            try await sql.raw("SELECT deposit_id FROM payment_holds WHERE user_id = \(bind: userID.rawValue) AND lifted_at IS NULL").first() != nil
        }
    }
}
