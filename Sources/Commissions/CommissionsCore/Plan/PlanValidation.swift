import Foundation
import Money

/// A plan that cannot be used, naming the field by its JSON path
/// (`rules[1].rates.symbols.EURUSD`).
public struct PlanValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

extension PlanValidationError {
    /// The field a JSON decoding error points at, written as validation errors write paths.
    public init(decoding error: DecodingError) {
        let context: DecodingError.Context? = switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .keyNotFound(_, context), let .dataCorrupted(context): context
        @unknown default: nil
        }
        var path = ""
        for key in context?.codingPath ?? [] {
            if let index = key.intValue { path += "[\(index)]" } else { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        if case let .keyNotFound(key, _) = error { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        let message = switch error {
        case .keyNotFound: "is required"
        case .typeMismatch: "has the wrong type"
        case .valueNotFound: "is missing"
        // A plan's own decoder explains a value it does not know; Foundation's text is not for people.
        case let .dataCorrupted(context): context.underlyingError == nil && !context.codingPath.isEmpty ? context.debugDescription : "is not valid JSON"
        @unknown default: "cannot be read"
        }
        self.init(path: path.isEmpty ? "document" : path, message: message)
    }

    /// Reads a plan from JSON, refusing what cannot be read or used with the field's path.
    public static func plan(fromJSON data: [UInt8]) throws(PlanValidationError) -> CommissionPlan {
        let plan: CommissionPlan
        do { plan = try JSONDecoder().decode(CommissionPlan.self, from: Data(data)) } catch let error as DecodingError {
            throw PlanValidationError(decoding: error)
        } catch {
            throw PlanValidationError(path: "document", message: "is not valid JSON")
        }
        try plan.validate()
        return plan
    }
}

extension CommissionPlan {
    /// Checks every field a person writes; the first problem is reported with its path.
    public func validate() throws(PlanValidationError) {
        func fail(_ path: String, _ message: String) -> PlanValidationError { PlanValidationError(path: path, message: message) }
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw fail("id", "1 to 64 of A-Z, a-z, 0-9, _ and -")
        }
        guard version >= 1 else { throw fail("version", "versions count from 1") }
        guard !name.allSatisfy(\.isWhitespace), name.count <= 100 else { throw fail("name", "1 to 100 characters") }
        guard let planCurrency = Currency(code: currency) else { throw fail("currency", "unknown currency \(currency)") }
        guard !rules.isEmpty || revenueShare != nil || cpa != nil else { throw fail("rules", "a plan needs at least one rule, a revenue share or a CPA") }
        try cpa?.validate(currency: planCurrency)
        if let revenue = revenueShare {
            try Self.share(revenue.share, "revenue_share.share", required: true)
            guard revenue.period != .realtime else { throw fail("revenue_share.period", "daily, weekly or monthly") }
            if let floor = revenue.carryFloor { try Self.amount(floor, "revenue_share.carry_floor") }
            if let reset = revenue.resetAfterPeriods, reset < 1 { throw fail("revenue_share.reset_after_periods", "at least 1 period") }
            if let spread = revenue.spreadPerLot { try Self.table(spread, "revenue_share.spread_per_lot", points: false) }
        }
        guard filters.minHoldSeconds >= 0 else { throw fail("filters.min_hold_seconds", "cannot be negative") }
        guard filters.minPoints >= 0 else { throw fail("filters.min_points", "cannot be negative") }
        if let cap = filters.capPerDeal { try Self.amount(cap, "filters.cap_per_deal") }
        if let cap = filters.capPerPeriod {
            try Self.amount(cap.amount, "filters.cap_per_period.amount")
            guard cap.period != .realtime else { throw fail("filters.cap_per_period.period", "daily, weekly or monthly") }
        }
        switch distribution {
        case let .perLevel(shares, cap):
            guard !shares.isEmpty else { throw fail("distribution.shares", "give one share per level, e.g. [\"20%\", \"5%\", \"2%\"]") }
            var total: Int64 = 0
            for (index, text) in shares.enumerated() {
                guard let share = Share(text) else { throw fail("distribution.shares[\(index)]", "\(text) is not a percentage from 0% to 100%") }
                total += share.ppm
            }
            if let cap { guard Share(cap) != nil else { throw fail("distribution.cap", "\(cap) is not a percentage from 0% to 100%") } }
            guard total <= Share.whole || cap != nil else { throw fail("distribution.shares", "the levels add up to more than 100%; set a cap") }
        case let .cappedRatios(ratios):
            guard !ratios.isEmpty, ratios.allSatisfy({ (0...1_000_000).contains($0) }), ratios.contains(where: { $0 > 0 }) else {
                throw fail("distribution.ratios", "one non-negative ratio per level, at least one above zero")
            }
        case .difference, .direct: break
        }
        var ids: Set<String> = []
        for (index, rule) in rules.enumerated() {
            let path = "rules[\(index)]"
            guard (1...64).contains(rule.id.count), rule.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw fail("\(path).id", "1 to 64 of A-Z, a-z, 0-9, _ and -")
            }
            guard ids.insert(rule.id).inserted else { throw fail("\(path).id", "rule id \(rule.id) is used twice") }
            switch rule.kind {
            case .perLot:
                try Self.table(rule.rates, "\(path).rates", points: rule.unit == .points)
                guard rule.rates.defaultValue != nil || !rule.rates.groups.isEmpty || !rule.rates.symbols.isEmpty else {
                    throw fail("\(path).rates", "give a default, group or symbol rate")
                }
                if let tiers = rule.tiers {
                    guard rule.unit == .money else { throw fail("\(path).tiers", "tiers price lots in money: use unit money") }
                    guard tiers.period != .realtime else { throw fail("\(path).tiers.period", "daily, weekly or monthly") }
                    guard !tiers.steps.isEmpty else { throw fail("\(path).tiers.steps", "give at least one step") }
                    var previous: Int64 = -1
                    for (step, entry) in tiers.steps.enumerated() {
                        guard let from = try? FixedPoint.parse(entry.fromLots, scale: 8), from >= 0 else {
                            throw fail("\(path).tiers.steps[\(step)].from_lots", "\(entry.fromLots) is not a number of lots")
                        }
                        guard step > 0 || from == 0 else { throw fail("\(path).tiers.steps[0].from_lots", "the first step starts at 0 lots") }
                        guard from > previous else { throw fail("\(path).tiers.steps[\(step)].from_lots", "steps must rise") }
                        previous = from
                        try Self.amount(entry.rate, "\(path).tiers.steps[\(step)].rate")
                    }
                }
            case .spreadShare:
                guard let spread = rule.spreadPerLot else { throw fail("\(path).spread_per_lot", "the spread earned per lot is required") }
                try Self.table(spread, "\(path).spread_per_lot", points: false)
                try Self.share(rule.share, "\(path).share", required: true)
                try Self.share(rule.capShare, "\(path).cap_share", required: false)
                if let cap = rule.capPerLot { try Self.table(cap, "\(path).cap_per_lot", points: false) }
                if let typical = rule.typicalSpreadPoints {
                    let entries = [("default", typical.defaultValue)] + typical.groups.sorted { $0.key < $1.key }.map { ("groups.\($0.key)", Optional($0.value)) }
                        + typical.symbols.sorted { $0.key < $1.key }.map { ("symbols.\($0.key)", Optional($0.value)) }
                    for case let (key, value?) in entries where Int64(value).map({ $0 <= 0 }) ?? true {
                        throw fail("\(path).typical_spread_points.\(key)", "\(value) is not a whole number of points above 0")
                    }
                }
            case .commissionShare:
                try Self.share(rule.share, "\(path).share", required: true)
            }
            if rule.kind != .perLot, rule.tiers != nil { throw fail("\(path).tiers", "only per-lot rules have volume tiers") }
            if rule.kind != .spreadShare, rule.typicalSpreadPoints != nil {
                throw fail("\(path).typical_spread_points", "only spread-share rules are damped by the spread")
            }
        }
    }

    static func amount(_ text: String, _ path: String) throws(PlanValidationError) {
        guard let units = try? FixedPoint.parse(text, scale: Accrual.scale), units >= 0 else {
            throw PlanValidationError(path: path, message: "\(text) is not a non-negative amount with at most 8 decimals")
        }
    }

    static func share(_ text: String?, _ path: String, required: Bool) throws(PlanValidationError) {
        guard let text else {
            if required { throw PlanValidationError(path: path, message: "a percentage such as \"30%\" is required") }
            return
        }
        guard Share(text) != nil else { throw PlanValidationError(path: path, message: "\(text) is not a percentage from 0% to 100%") }
    }

    static func table(_ table: ByInstrument, _ path: String, points: Bool) throws(PlanValidationError) {
        if let value = table.defaultValue { try amount(value, "\(path).default") }
        for (group, value) in table.groups.sorted(by: { $0.key < $1.key }) { try amount(value, "\(path).groups.\(group)") }
        for (symbol, value) in table.symbols.sorted(by: { $0.key < $1.key }) { try amount(value, "\(path).symbols.\(symbol)") }
    }
}
