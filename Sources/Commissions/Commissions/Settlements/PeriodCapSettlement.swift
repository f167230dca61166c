import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Partners
import Ledger

/// Caps per period (an anti-abuse filter): when a period ends, what the partner on a
/// capped plan earned in it, all rules and levels together (tier adjustments and
/// revenue share included), is compared with the cap, and the excess is taken back
/// once per partner and period. Kept with tier adjustments (rule `period_cap`).
public struct PeriodCapSettlement: Sendable {
    public static let rule = "period_cap"

    let db: Database
    let plans: PlanStore
    let postings: CommissionPostings
    let currency: Currency
    let clock: any PipstackClock

    public init(db: Database, ledger: LedgerStore, currency: Currency = .usd, clock: any PipstackClock) {
        self.db = db
        self.currency = currency
        self.clock = clock
        plans = PlanStore(db: db, clock: clock)
        postings = CommissionPostings(db: db, ledger: ledger, currency: currency, clock: clock)
    }

    /// The adjustments made (taking back what was above the cap).
    public func run(at now: Int64, audit: AuditContext) async throws -> [TierSettlement.Adjustment] {
        var made: [TierSettlement.Adjustment] = []
        for plan in try await plans.latest().map(\.plan) {
            guard let written = plan.filters.capPerPeriod else { continue }
            let period = written.period.periodToSettle(at: now)
            guard let version = try await plans.plans(at: period.end - 1)[plan.id], let cap = version.filters.capPerPeriod,
                  let capUnits = try? FixedPoint.parse(cap.amount, scale: Accrual.scale) else { continue }
            for (partner, planID) in try await plans.assignments(at: period.end - 1).sorted(by: { $0.key < $1.key }) where planID == plan.id {
                if let adjustment = try await settle(partner: partner, plan: version, cap: capUnits, period: period, at: now, audit: audit) {
                    made.append(adjustment)
                }
            }
        }
        try await postings.postPending()
        return made
    }

    /// What a payout cut at `cut` must hold back so that it never pays what a cap
    /// will take back: the partner's earnings above its plan's cap in the cap period
    /// containing the cut, while that period is not settled yet; minor units, rounded up.
    public func heldBack(partner: PartnerID, cut: Int64) async throws -> Int64 {
        guard let planID = try await plans.assignments(at: cut - 1)[partner], let plan = try await plans.plans(at: cut - 1)[planID],
              let cap = plan.filters.capPerPeriod, let capUnits = try? FixedPoint.parse(cap.amount, scale: Accrual.scale) else { return 0 }
        let period = cap.period.period(containing: cut - 1)
        let currency = currency
        let earned = try await db.read { sql -> Int64? in
            let settled = try await sql.raw("""
                SELECT amount FROM commission_adjustments WHERE partner_id = \(bind: partner) AND rule_id = \(bind: Self.rule) AND period_key = \(bind: period.key)
                """).first()
            guard settled == nil else { return nil }
            return try await Self.earned(by: partner, currency: currency, days: period.start..<min(cut, period.end), on: sql)
        }
        guard let earned, earned > capUnits else { return 0 }
        return Rounding.divide(earned - capUnits, by: Power10.of(Accrual.scale - currency.exponent), rule: .ceiling).quotient
    }

    /// What the partner earned on days in `days` (day starts, µs), all rules and levels
    /// together, in accrual units: what caps and payouts measure.
    static func earned(by partner: PartnerID, currency: Currency, days: Range<Int64>, on sql: any SQLDatabase) async throws -> Int64 {
        try await sql.raw("""
            SELECT CAST(COALESCE(SUM(d.amount), 0) AS BIGINT) AS earned FROM commission_daily d JOIN commission_names p ON p.number = d.partner
            WHERE p.kind = 'partner' AND p.name = \(bind: partner) AND d.currency = \(bind: currency.code)
                AND d.day >= \(bind: days.lowerBound) AND d.day < \(bind: days.upperBound)
            """).first()?.decode(column: "earned", as: Int64.self) ?? 0
    }

    func settle(partner: PartnerID, plan: CommissionPlan, cap: Int64, period: PayoutPeriod, at now: Int64, audit: AuditContext) async throws -> TierSettlement.Adjustment? {
        let currency = currency
        let dialect = db.dialect
        return try await db.transaction { sql -> TierSettlement.Adjustment? in
            let done = try await sql.raw("""
                SELECT amount FROM commission_adjustments WHERE partner_id = \(bind: partner) AND rule_id = \(bind: Self.rule) AND period_key = \(bind: period.key)
                """).first()
            guard done == nil else { return nil }
            let earned = try await Self.earned(by: partner, currency: currency, days: period.start..<period.end, on: sql)
            let excess = max(0, earned - cap)
            try await sql.raw("""
                INSERT INTO commission_adjustments (partner_id, rule_id, period_key, period_start, period_end, plan_id, plan_version, lots, paid, target,
                    amount, currency, created_at)
                VALUES (\(bind: partner), \(bind: Self.rule), \(bind: period.key), \(bind: period.start), \(bind: period.end), \(bind: plan.id),
                    \(bind: plan.version), 0, \(bind: earned), \(bind: cap), \(bind: -excess), \(bind: currency.code), \(bind: now))
                """).run()
            let adjustment = TierSettlement.Adjustment(partner: partner, rule: Self.rule, periodKey: period.key, lots: 0, paid: earned, target: cap, amount: -excess)
            guard excess > 0 else { return adjustment }
            try await PeriodEndPosting.book(-excess, partner: partner, rule: Self.rule, day: CommissionLineRow.day(of: period.end - 1),
                                            key: "cap:\(partner):\(period.key)", currency: currency, at: now, on: sql)
            try await AuditLog.append(audit.entry("commissions.period_cap", entityType: "partner", entityID: partner,
                                                  after: #"{"period":"\#(period.key)","earned":\#(earned),"cap":\#(cap),"taken_back":\#(excess)}"#),
                                      at: now, on: sql, dialect: dialect)
            return adjustment
        }
    }
}
