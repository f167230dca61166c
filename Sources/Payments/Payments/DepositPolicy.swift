import BrokerCore
import Clients
import Money
import Platform
import SQLKit

/// How much a client may deposit before their identity is verified: the one place the
/// onboarding slice's KYC levels will fill. Until then, a client with no KYC approval
/// may have at most `unverifiedTotal` (per currency, in its minor units) in deposits
/// that are approved or still under way.
public struct DepositPolicy: Sendable {
    public var unverifiedTotal: Int64

    public init(unverifiedTotal: Int64 = 2_000_00) { self.unverifiedTotal = unverifiedTotal }

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case unverifiedLimit(limit: Money, remaining: Money)
        public var description: String {
            switch self {
            case let .unverifiedLimit(limit, remaining):
                "until your identity is verified, deposits are limited to \(limit) in total; \(remaining) remains"
            }
        }
    }

    /// Refuses `amount` when it would take an unverified client past the limit.
    func check(_ userID: UserID, amount: Money, db: Database) async throws {
        let (verified, used) = try await db.read { sql in
            (try await ClientEventStore.firstKYCApproval(of: userID.rawValue, on: sql) != nil,
             try await sql.raw("""
                SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS used FROM payment_deposits WHERE user_id = \(bind: userID.rawValue) AND currency = \(bind: amount.currency.code)
                    AND state IN ('initiated', 'pending', 'redirected', 'three_ds', 'approved')
                """).first()?.decode(column: "used", as: Int64.self) ?? 0)
        }
        guard !verified else { return }
        let limit = Money(minorUnits: unverifiedTotal, currency: amount.currency)
        guard used + amount.minorUnits <= unverifiedTotal else {
            throw Refusal.unverifiedLimit(limit: limit, remaining: Money(minorUnits: max(0, unverifiedTotal - used), currency: amount.currency))
        }
    }
}
