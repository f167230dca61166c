import BrokerCore
import CommissionsCore
import Foundation
import Identity
import SQLKit
import Platform

/// Commission plan versions and which plan each partner is on, both
/// effective-dated. Saving a plan makes its next version; a past deal keeps the
/// version in force at its time.
public struct PlanStore: Sendable {
    public let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    /// Stores `plan` as the next version of its id, in force from `effectiveFrom`; returns it with its version.
    @discardableResult
    public func save(_ plan: CommissionPlan, effectiveFrom: Int64, audit: AuditContext) async throws -> CommissionPlan {
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            let latest = try await sql.raw("""
                SELECT version, effective_from FROM commission_plans WHERE id = \(bind: plan.id) ORDER BY version DESC LIMIT 1
                """).first()
            var versioned = plan
            versioned.version = (try latest?.decode(column: "version", as: Int.self) ?? 0) + 1
            try versioned.validate()
            if let latest, try latest.decode(column: "effective_from", as: Int64.self) > effectiveFrom {
                throw PartnerError.notAfterCurrent("plan \(plan.id) version \(versioned.version)")
            }
            let document = try Self.json(versioned)
            try await sql.raw("""
                INSERT INTO commission_plans (id, version, effective_from, document, created_by, created_at)
                VALUES (\(bind: versioned.id), \(bind: versioned.version), \(bind: effectiveFrom), \(bind: document), \(bind: audit.actor), \(bind: now))
                """).run()
            try await AuditLog.append(audit.entry("commission_plan.save", entityType: "commission_plan", entityID: "\(versioned.id) v\(versioned.version)",
                                                  after: document), at: now, on: sql, dialect: dialect)
            return versioned
        }
    }

    /// Every plan's version in force at `time`, by plan id.
    public func plans(at time: Int64) async throws -> [String: CommissionPlan] {
        try await db.read { sql in
            var plans: [String: CommissionPlan] = [:]
            for row in try await sql.raw("""
                SELECT p.document FROM commission_plans p
                WHERE p.effective_from <= \(bind: time)
                  AND p.version = (SELECT MAX(q.version) FROM commission_plans q WHERE q.id = p.id AND q.effective_from <= \(bind: time))
                """).all() {
                let plan = try JSONDecoder().decode(CommissionPlan.self, from: Data(try row.decode(column: "document", as: String.self).utf8))
                plans[plan.id] = plan
            }
            return plans
        }
    }

    /// The newest version of every plan, by id.
    public func latest() async throws -> [(plan: CommissionPlan, effectiveFrom: Int64)] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT p.document, p.effective_from FROM commission_plans p
                WHERE p.version = (SELECT MAX(q.version) FROM commission_plans q WHERE q.id = p.id) ORDER BY p.id
                """).all().map { row in
                (try JSONDecoder().decode(CommissionPlan.self, from: Data(try row.decode(column: "document", as: String.self).utf8)),
                 try row.decode(column: "effective_from", as: Int64.self))
            }
        }
    }

    public func versions(of id: String) async throws -> [(plan: CommissionPlan, effectiveFrom: Int64)] {
        try await db.read { sql in
            try await sql.raw("SELECT document, effective_from FROM commission_plans WHERE id = \(bind: id) ORDER BY version").all().map { row in
                (try JSONDecoder().decode(CommissionPlan.self, from: Data(try row.decode(column: "document", as: String.self).utf8)),
                 try row.decode(column: "effective_from", as: Int64.self))
            }
        }
    }

    /// Puts a partner on a plan from `from` on (a personal override is a plan of its own).
    public func assign(_ partnerID: PartnerID, plan planID: String, from: Int64, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            guard try await PartnerStore.exists(partnerID, on: sql) else { throw PartnerError.unknownPartner(partnerID) }
            guard try await sql.raw("SELECT id FROM commission_plans WHERE id = \(bind: planID) LIMIT 1").first() != nil else {
                throw PartnerError.unknownPlan(planID)
            }
            try await EffectiveRows.close(table: "partner_plans", key: ("partner_id", partnerID.rawValue), at: from, what: "the plan of \(partnerID)", on: sql)
            try await sql.raw("""
                INSERT INTO partner_plans (partner_id, plan_id, valid_from, valid_to)
                VALUES (\(bind: partnerID), \(bind: planID), \(bind: from), \(bind: Effective.open))
                """).run()
            try await AuditLog.append(audit.entry("partner.plan", entityType: "partner", entityID: partnerID,
                                                  after: "{\"plan\":\"\(planID)\",\"from\":\(from)}"), at: now, on: sql, dialect: dialect)
        }
    }

    /// Each partner's plan id at `time`.
    public func assignments(at time: Int64) async throws -> [PartnerID: String] {
        try await db.read { sql in
            var result: [PartnerID: String] = [:]
            for row in try await EffectiveRows.inForce("partner_id, plan_id", from: "partner_plans", at: time, on: sql) {
                result[try row.decode(column: "partner_id", as: PartnerID.self)] = try row.decode(column: "plan_id", as: String.self)
            }
            return result
        }
    }

    static func json(_ plan: CommissionPlan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }
}
