import BrokerCore
import CommissionsCore
import Identity
import Platform

/// Personal overrides: a partner's own rate for a rule of the plan it is on. The
/// override is a plan of its own (the base plan copied, `BASE--PARTNER`, one rate
/// changed), versioned and effective-dated like any plan, so earlier deals keep
/// what they earned and the explanation names the personal plan.
extension PlanStore {
    public enum RateTarget: Sendable, Equatable {
        case byDefault, group(String), symbol(String)
    }

    @discardableResult
    public func override(partner: PartnerID, rule ruleID: String, target: RateTarget, rate: String, from: Int64, audit: AuditContext) async throws -> CommissionPlan {
        let now = clock.nowMicros()
        let atFrom = try await assignments(at: from)[partner]
        let current = try await assignments(at: now)[partner]
        let inForce = try await plans(at: max(from, now))
        guard let planID = atFrom ?? current, let base = inForce[planID] else {
            throw PartnerError.invalid(field: "rule", "\(partner) is on no plan to override")
        }
        guard let index = base.rules.firstIndex(where: { $0.id == ruleID }) else {
            throw PartnerError.invalid(field: "rule", "plan \(base.id) has no rule \(ruleID)")
        }
        guard base.rules[index].kind == .perLot else { throw PartnerError.invalid(field: "rule", "only per-lot rates can be overridden here") }
        var personal = base
        personal.id = base.id.hasSuffix("--\(partner)") ? base.id : "\(base.id)--\(partner)"
        personal.name = base.id.hasSuffix("--\(partner)") ? base.name : "\(base.name) (personal: \(partner))"
        personal.version = 1
        switch target {
        case .byDefault: personal.rules[index].rates.defaultValue = rate
        case let .group(group): personal.rules[index].rates.groups[group] = rate
        case let .symbol(symbol): personal.rules[index].rates.symbols[symbol] = rate
        }
        do {
            try personal.validate()
        } catch {
            throw PartnerError.invalid(field: "rate", error.description)
        }
        let saved = try await save(personal, effectiveFrom: from, audit: audit)
        // Already on the personal plan from then on: its new version is enough.
        if atFrom != saved.id { try await assign(partner, plan: saved.id, from: from, audit: audit) }
        return saved
    }
}
