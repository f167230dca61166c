import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Partners
import Ledger

/// Decides CPA for referred clients: for each client attributed to a partner whose
/// plan has a CPA, gathers what the client did since registering (the first deposit,
/// from the wallet's deposits, deposit events and deposits made on the trade server
/// directly; closed lots and the spread they brought; KYC approval and country) and
/// lets the plan's `CPARule` decide. A qualification pays the band's amount to the
/// partner through the commission outbox; it, an expiry or an exclusion is recorded
/// once per client, so a client never pays CPA twice, whatever runs or replays.
public struct CPASettlement: Sendable {
    public static let rule = "cpa"

    public enum Status: String, Sendable { case qualified, expired, excluded }

    /// A recorded decision. Amounts in minor units of `currency`; lots in 10^-8;
    /// spread in accrual units.
    public struct Decision: Sendable, Equatable {
        public let client: String
        public let partner: PartnerID
        public let planID: String
        public let planVersion: Int
        public let status: Status
        public let amount: Int64
        public let currency: String
        public let firstDeposit: Int64
        public let lots: Int64
        public let spread: Int64
        public let country: String
        public let detail: String
        public let decidedAt: Int64
        /// Who is paid what for a qualification, level 1 first, by the plan's
        /// distribution up the tree (accrual units).
        public var parts: [Part] = []
    }

    public struct Part: Sendable, Equatable {
        public let partner: PartnerID
        public let level: Int
        public let amount: Int64
    }

    /// Where one referred client stands: decided, or still open with what is missing.
    public struct Standing: Sendable, Equatable {
        public let client: String
        public let decision: Decision?
        public let missing: [String]
        public let facts: Facts?
    }

    /// What a client did within the CPA window, in the plan's units.
    public struct Facts: Sendable, Equatable {
        public let registeredAt: Int64
        /// The plan currency the amounts are in.
        public let currency: String
        public let firstDeposit: Int64?
        public let lots: Int64
        public let spread: Int64
        public let kycApproved: Bool
        public let country: String
        public let events: [ClientEvent]
        /// Deposits that could not be counted (no rate to the plan currency).
        public let skipped: [String]
    }

    let db: Database
    let plans: PlanStore
    let attributions: AttributionStore
    let partners: PartnerStore
    let rates: ExchangeRateStore
    let catalog: InstrumentCatalog
    let postings: CommissionPostings

    public init(db: Database, ledger: LedgerStore, clock: any PipstackClock) {
        self.db = db
        plans = PlanStore(db: db, clock: clock)
        attributions = AttributionStore(db: db, clock: clock)
        partners = PartnerStore(db: db, clock: clock)
        rates = ExchangeRateStore(db: db, clock: clock)
        catalog = InstrumentCatalog(db: db, clock: clock)
        postings = CommissionPostings(db: db, ledger: ledger, clock: clock)
    }

    /// Decides every referred client that can be decided now; returns the new decisions.
    public func run(at now: Int64, audit: AuditContext) async throws -> [Decision] {
        let terms = try await self.terms(at: now)
        guard !terms.isEmpty else { return [] }
        let decided = try await decidedClients()
        var decisions: [Decision] = []
        for attribution in try await attributions.attributions(at: now) where attribution.subject == .client && !attribution.excluded {
            guard !decided.contains(attribution.subjectID), let plan = terms[attribution.partnerID] else { continue }
            guard let decision = try await decide(client: attribution.subjectID, partner: attribution.partnerID, plan: plan, at: now) else { continue }
            if try await record(decision, at: now, audit: audit) { decisions.append(decision) }
        }
        try await postings.postPending()
        return decisions
    }

    /// The referred clients of a partner (attributed now) and where each stands.
    public func standings(of partner: PartnerID, at now: Int64, limit: Int = 200) async throws -> [Standing] {
        let plan = try await terms(at: now)[partner]
        var result: [Standing] = []
        for attribution in try await attributions.attributions(of: partner, at: now).prefix(limit) where attribution.subject == .client {
            if let decision = try await decision(of: attribution.subjectID) {
                result.append(Standing(client: attribution.subjectID, decision: decision, missing: [], facts: nil))
                continue
            }
            guard !attribution.excluded else {
                result.append(Standing(client: attribution.subjectID, decision: nil, missing: ["excluded from partner payouts"], facts: nil))
                continue
            }
            guard let plan, let cpa = plan.cpa, let currency = Currency(code: plan.currency), let rule = cpa.rule(currency: currency) else {
                result.append(Standing(client: attribution.subjectID, decision: nil, missing: ["the partner's plan has no CPA"], facts: nil))
                continue
            }
            let facts = try await self.facts(of: attribution.subjectID, cpa: cpa, rule: rule, currency: currency)
            let missing: [String] = switch rule.evaluate(registeredAt: facts.registeredAt, country: facts.country, excludedReason: nil,
                                                          events: facts.events, now: now) {
            case let .notYet(missing): missing
            case .expired: ["the window has passed"]
            case .qualified: ["qualified; paid on the next run"]
            case let .excluded(reason): [reason]
            }
            result.append(Standing(client: attribution.subjectID, decision: nil, missing: missing, facts: facts))
        }
        return result
    }

    /// A partner's recorded decisions, newest first.
    public func decisions(of partner: PartnerID, limit: Int = 200) async throws -> [Decision] {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM cpa_awards WHERE partner_id = \(bind: partner) ORDER BY decided_at DESC LIMIT \(bind: limit)").all().compactMap(Self.decode)
        }
    }

    public func decision(of client: String) async throws -> Decision? {
        try await db.read { sql in try await sql.raw("SELECT * FROM cpa_awards WHERE user_id = \(bind: client)").first().flatMap(Self.decode) }
    }

    // MARK: - Deciding

    /// The plan in force now for each partner whose plan has a usable CPA.
    func terms(at now: Int64) async throws -> [PartnerID: CommissionPlan] {
        let versions = try await plans.plans(at: now)
        var result: [PartnerID: CommissionPlan] = [:]
        for (partner, planID) in try await plans.assignments(at: now) {
            guard let plan = versions[planID], let cpa = plan.cpa, let currency = Currency(code: plan.currency), cpa.rule(currency: currency) != nil else { continue }
            result[partner] = plan
        }
        return result
    }

    func decidedClients() async throws -> Set<String> {
        try await db.read { sql in
            Set(try await sql.raw("SELECT user_id FROM cpa_awards").all().map { try $0.decode(column: "user_id", as: String.self) })
        }
    }

    func decide(client: String, partner: PartnerID, plan: CommissionPlan, at now: Int64) async throws -> Decision? {
        guard let cpa = plan.cpa, let currency = Currency(code: plan.currency), let rule = cpa.rule(currency: currency) else { return nil }
        let excluded: String? = try await partners.partner(partner)?.userID == client ? "the partner's own account (self-referral)" : nil
        let facts = try await self.facts(of: client, cpa: cpa, rule: rule, currency: currency)
        let outcome = rule.evaluate(registeredAt: facts.registeredAt, country: facts.country, excludedReason: excluded, events: facts.events, now: now)
        func decision(_ status: Status, amount: Int64 = 0, detail: String, at time: Int64) -> Decision {
            Decision(client: client, partner: partner, planID: plan.id, planVersion: plan.version, status: status, amount: amount, currency: currency.code,
                     firstDeposit: facts.firstDeposit ?? 0, lots: facts.lots, spread: facts.spread, country: facts.country, detail: detail, decidedAt: time)
        }
        switch outcome {
        case let .qualified(at, amount):
            let deposit = Money(minorUnits: facts.firstDeposit ?? 0, currency: currency).decimalString
            var qualified = decision(.qualified, amount: amount, detail: "first deposit \(deposit) \(currency.code), \(Explain.lots(facts.lots)) lots, spread \(Explain.money(facts.spread)) \(currency.code)\(facts.kycApproved ? ", KYC approved" : "")\(facts.country.isEmpty ? "" : ", country \(facts.country)")", at: at)
            qualified.parts = try await parts(of: amount, partner: partner, plan: plan, currency: currency, facts: facts, at: at)
            return qualified
        case .expired:
            return decision(.expired, detail: "not qualified within \(rule.withinDays) days of registering", at: now)
        case let .excluded(reason):
            return decision(.excluded, detail: reason, at: now)
        case .notYet:
            return nil
        }
    }

    /// The qualification's amount up the tree as it stood when the client qualified, by
    /// the level-1 plan's distribution; for `difference`, each upper level's own plan
    /// prices the same client (its band for the first deposit and country).
    func parts(of amount: Int64, partner: PartnerID, plan: CommissionPlan, currency: Currency, facts: Facts, at time: Int64) async throws -> [Part] {
        let unit = Power10.of(Accrual.scale - currency.exponent)
        let chain = try await partners.chain(of: partner, at: time)
        let versions = try await plans.plans(at: time), assignments = try await plans.assignments(at: time)
        let own: [Int64?] = chain.enumerated().map { level, id in
            if level == 0 { return amount * unit }
            guard let upper = assignments[id].flatMap({ versions[$0] }), upper.currency == currency.code,
                  let rule = upper.cpa?.rule(currency: currency), let deposit = facts.firstDeposit,
                  let band = rule.bands.first(where: { deposit >= $0.minDeposit && ($0.countries.isEmpty || $0.countries.contains(facts.country)) })
            else { return nil }
            return band.amount * unit
        }
        return CPADistribution.split(amount * unit, by: plan.distribution, own: own).enumerated().map { level, share in
            Part(partner: chain[level], level: level + 1, amount: share)
        }
    }

    /// Records a decision once and, for a qualification, books its amount; false when
    /// the client was decided already.
    func record(_ decision: Decision, at now: Int64, audit: AuditContext) async throws -> Bool {
        guard let currency = Currency(code: decision.currency) else { return false }
        let dialect = db.dialect
        return try await db.transaction { sql in
            let inserted = try await sql.raw("""
                INSERT INTO cpa_awards (user_id, partner_id, plan_id, plan_version, status, amount, currency, first_deposit, lots, spread, country, detail,
                    parts, decided_at, created_at)
                VALUES (\(bind: decision.client), \(bind: decision.partner), \(bind: decision.planID), \(bind: decision.planVersion),
                    \(bind: decision.status.rawValue), \(bind: decision.amount), \(bind: decision.currency), \(bind: decision.firstDeposit),
                    \(bind: decision.lots), \(bind: decision.spread), \(bind: decision.country), \(bind: decision.detail),
                    \(bind: decision.parts.map { "\($0.partner) \($0.level) \($0.amount)" }.joined(separator: ";")), \(bind: decision.decidedAt), \(bind: now))
                ON CONFLICT (user_id) DO NOTHING RETURNING user_id
                """).all()
            guard !inserted.isEmpty else { return false }
            for part in decision.parts where decision.status == .qualified && part.amount > 0 {
                try await PeriodEndPosting.book(part.amount, partner: part.partner, level: part.level, rule: Self.rule,
                                                day: CommissionLineRow.day(of: decision.decidedAt),
                                                key: part.level == 1 ? "cpa:\(decision.client)" : "cpa:\(decision.client):\(part.partner)", currency: currency,
                                                at: now, on: sql)
            }
            try await AuditLog.append(audit.entry("commissions.cpa", entityType: "partner", entityID: decision.partner,
                                                  after: #"{"client":"\#(decision.client)","status":"\#(decision.status.rawValue)","amount":\#(decision.amount),"currency":"\#(decision.currency)","plan":"\#(decision.planID)@\#(decision.planVersion)"}"#),
                                      at: now, on: sql, dialect: dialect)
            return true
        }
    }

    static func decode(_ row: any SQLRow) throws -> Decision? {
        guard let status = Status(rawValue: try row.decode(column: "status", as: String.self)) else { return nil }
        return Decision(client: try row.decode(column: "user_id", as: String.self), partner: try row.decode(column: "partner_id", as: PartnerID.self),
                        planID: try row.decode(column: "plan_id", as: String.self), planVersion: try row.decode(column: "plan_version", as: Int.self),
                        status: status, amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self),
                        firstDeposit: try row.decode(column: "first_deposit", as: Int64.self), lots: try row.decode(column: "lots", as: Int64.self),
                        spread: try row.decode(column: "spread", as: Int64.self), country: try row.decode(column: "country", as: String.self),
                        detail: try row.decode(column: "detail", as: String.self), decidedAt: try row.decode(column: "decided_at", as: Int64.self),
                        parts: try row.decode(column: "parts", as: String.self).split(separator: ";").compactMap { text in
                            let fields = text.split(separator: " ")
                            guard fields.count == 3, let level = Int(fields[1]), let amount = Int64(fields[2]) else { return nil }
                            return Part(partner: PartnerID(String(fields[0])), level: level, amount: amount)
                        })
    }
}
