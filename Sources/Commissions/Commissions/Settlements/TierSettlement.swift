import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Partners
import Ledger

/// Closes volume tiers when their period ends. Real time pays a tiered rule's base
/// rates; here the partner's lots on the rule in the period (its own clients'
/// deals, level 1) are priced by the tiers, and the difference from what was paid
/// is posted, once per partner, rule and period. The adjustment counts in the
/// period's last day, so reports and payout statements include it.
public struct TierSettlement: Sendable {
    public struct Adjustment: Sendable, Equatable {
        public let partner: PartnerID
        public let rule: String
        public let periodKey: String
        /// 10^-8 lots.
        public let lots: Int64
        /// Accrual units: paid in real time, due by the tiers, and the difference posted.
        public let paid: Int64
        public let target: Int64
        public let amount: Int64

        public init(partner: PartnerID, rule: String, periodKey: String, lots: Int64, paid: Int64, target: Int64, amount: Int64) {
            self.partner = partner
            self.rule = rule
            self.periodKey = periodKey
            self.lots = lots
            self.paid = paid
            self.target = target
            self.amount = amount
        }
    }

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

    /// A partner's tier adjustments, newest period first.
    public func adjustments(of partner: PartnerID, limit: Int = 24) async throws -> [Adjustment] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM commission_adjustments WHERE partner_id = \(bind: partner) ORDER BY period_end DESC, rule_id LIMIT \(bind: limit)
                """).all().map { row in
                Adjustment(partner: partner, rule: try row.decode(column: "rule_id", as: String.self), periodKey: try row.decode(column: "period_key", as: String.self),
                           lots: try row.decode(column: "lots", as: Int64.self), paid: try row.decode(column: "paid", as: Int64.self),
                           target: try row.decode(column: "target", as: Int64.self), amount: try row.decode(column: "amount", as: Int64.self))
            }
        }
    }

    /// Settles every tiered rule whose last full period ended before `now`.
    public func run(at now: Int64, audit: AuditContext) async throws -> [Adjustment] {
        var made: [Adjustment] = []
        // The plans and assignments of the moment before each period's end decide.
        var settled: Set<String> = []
        for plan in try await plans.latest().map(\.plan) {
            for rule in plan.rules {
                guard let tiers = rule.tiers, let schedule = tiers.schedule else { continue }
                let period = tiers.period.periodToSettle(at: now)
                let key = "\(period.key)"
                let inForce = try await plans.plans(at: period.end - 1)
                guard let version = inForce[plan.id], version.rules.contains(where: { $0.id == rule.id && $0.tiers != nil }) else { continue }
                for (partner, planID) in try await plans.assignments(at: period.end - 1) where planID == plan.id {
                    guard settled.insert("\(partner)/\(rule.id)/\(key)").inserted else { continue }
                    if let adjustment = try await settle(partner: partner, rule: rule.id, plan: version, schedule: schedule, period: period, at: now,
                                                         audit: audit) {
                        made.append(adjustment)
                    }
                }
            }
        }
        try await postings.postPending()
        return made
    }

    func settle(partner: PartnerID, rule: String, plan: CommissionPlan, schedule: TierSchedule, period: PayoutPeriod, at now: Int64,
                audit: AuditContext) async throws -> Adjustment? {
        let currency = currency
        let dialect = db.dialect
        return try await db.transaction { sql -> Adjustment? in
            let done = try await sql.raw("""
                SELECT amount FROM commission_adjustments WHERE partner_id = \(bind: partner) AND rule_id = \(bind: rule) AND period_key = \(bind: period.key)
                """).first()
            guard done == nil else { return nil }
            let row = try await sql.raw("""
                SELECT CAST(COALESCE(SUM(d.lots), 0) AS BIGINT) AS lots, CAST(COALESCE(SUM(d.amount), 0) AS BIGINT) AS paid
                FROM commission_daily d JOIN commission_names p ON p.number = d.partner JOIN commission_names r ON r.number = d.rule
                WHERE p.kind = 'partner' AND p.name = \(bind: partner) AND r.kind = 'rule' AND r.name = \(bind: rule) AND d.level = 1
                    AND d.currency = \(bind: currency.code) AND d.day >= \(bind: period.start) AND d.day < \(bind: period.end)
                """).first()
            let lots = try row?.decode(column: "lots", as: Int64.self) ?? 0
            let paid = try row?.decode(column: "paid", as: Int64.self) ?? 0
            let target = schedule.amount(for: lots)
            let adjustment = Adjustment(partner: partner, rule: rule, periodKey: period.key, lots: lots, paid: paid, target: target, amount: target - paid)
            try await sql.raw("""
                INSERT INTO commission_adjustments (partner_id, rule_id, period_key, period_start, period_end, plan_id, plan_version, lots, paid, target,
                    amount, currency, created_at)
                VALUES (\(bind: partner), \(bind: rule), \(bind: period.key), \(bind: period.start), \(bind: period.end), \(bind: plan.id), \(bind: plan.version),
                    \(bind: lots), \(bind: paid), \(bind: target), \(bind: adjustment.amount), \(bind: currency.code), \(bind: now))
                """).run()
            guard adjustment.amount != 0 else { return adjustment }
            try await PeriodEndPosting.book(adjustment.amount, partner: partner, rule: rule, day: CommissionLineRow.day(of: period.end - 1),
                                            key: "tier:\(partner):\(rule):\(period.key)", currency: currency, at: now, on: sql)
            try await AuditLog.append(audit.entry("commissions.tier_adjustment", entityType: "partner", entityID: partner,
                                                  after: #"{"rule":"\#(rule)","period":"\#(period.key)","lots":\#(lots),"paid":\#(paid),"target":\#(target),"amount":\#(adjustment.amount)}"#),
                                      at: now, on: sql, dialect: dialect)
            return adjustment
        }
    }
}

/// How a period-end amount (a tier adjustment, a revenue share) reaches the partner:
/// counted in the daily totals at level 1 under its rule, rounded to minor units
/// with the partner's residue carried, and written to the commission-posting outbox
/// under `key`, all in the caller's transaction.
enum PeriodEndPosting {
    static func book(_ amount: Int64, partner: PartnerID, level: Int = 1, rule: String, day: Int64, key: String, currency: Currency, at now: Int64,
                     on sql: any SQLDatabase) async throws {
        guard amount != 0 else { return }
        for (kind, name) in [("partner", partner.rawValue), ("rule", rule)] {
            try await sql.raw("INSERT INTO commission_names (kind, name) VALUES (\(bind: kind), \(bind: name)) ON CONFLICT (kind, name) DO NOTHING").run()
        }
        try await sql.raw("""
            INSERT INTO commission_daily (day, partner, level, rule, currency, amount, lines, lots)
            SELECT \(bind: day), p.number, \(bind: level), r.number, \(bind: currency.code), \(bind: amount), 0, 0
            FROM commission_names p, commission_names r WHERE p.kind = 'partner' AND p.name = \(bind: partner) AND r.kind = 'rule' AND r.name = \(bind: rule)
            ON CONFLICT (day, partner, level, rule, currency) DO UPDATE SET amount = commission_daily.amount + excluded.amount
            """).run()
        let residue = try await sql.raw("""
            SELECT residue FROM commission_residues WHERE partner_id = \(bind: partner) AND currency = \(bind: currency.code)
            """).first()?.decode(column: "residue", as: Int64.self) ?? 0
        let (payables, left) = CommissionWriters.payables(accrued: [partner.rawValue: amount], residues: [partner.rawValue: residue],
                                                          unitsPerMinor: Power10.of(Accrual.scale - currency.exponent))
        try await sql.raw("""
            INSERT INTO commission_residues (partner_id, currency, residue) VALUES (\(bind: partner), \(bind: currency.code), \(bind: left[partner.rawValue] ?? 0))
            ON CONFLICT (partner_id, currency) DO UPDATE SET residue = excluded.residue
            """).run()
        if !payables.isEmpty {
            try await sql.raw("""
                INSERT INTO commission_postings (batch_key, document, status, created_at, posted_at)
                VALUES (\(bind: key), \(bind: CommissionWriters.document(payables)), 'pending', \(bind: now), 0)
                """).run()
        }
    }
}
