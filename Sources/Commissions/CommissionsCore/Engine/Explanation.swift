import Money

/// What the engine reports while it computes. The hot path uses `NoTrace`, whose
/// calls compile to nothing; `explain` uses `TextTrace` over the same code, so an
/// explanation can never describe a computation other than the one that ran.
protocol EngineTrace {
    mutating func skip(_ deal: EngineDeal, _ reason: @autoclosure () -> String)
    mutating func note(_ text: @autoclosure () -> String)
    mutating func rule(_ rule: Int, _ level: Int, _ formula: @autoclosure () -> String)
    mutating func line(_ line: CommissionLine, _ how: @autoclosure () -> String, redirected: Bool)
}

struct NoTrace: EngineTrace {
    @inline(__always) mutating func skip(_ deal: EngineDeal, _ reason: @autoclosure () -> String) {}
    @inline(__always) mutating func note(_ text: @autoclosure () -> String) {}
    @inline(__always) mutating func rule(_ rule: Int, _ level: Int, _ formula: @autoclosure () -> String) {}
    @inline(__always) mutating func line(_ line: CommissionLine, _ how: @autoclosure () -> String, redirected: Bool) {}
}

struct TextTrace: EngineTrace {
    let book: CommissionBook
    var notes: [String] = []

    mutating func skip(_ deal: EngineDeal, _ reason: @autoclosure () -> String) { notes.append("deal \(deal.ticket) earns nothing: \(reason())") }
    mutating func note(_ text: @autoclosure () -> String) { notes.append(text()) }

    mutating func rule(_ rule: Int, _ level: Int, _ formula: @autoclosure () -> String) {
        let plan = book.planRuleStart.lastIndex { Int($0) <= rule } ?? 0
        let id = book.ruleIDs[Int(book.ruleSlot[rule])]
        notes.append("level \(level + 1), plan \(book.plans[plan].id) v\(book.plans[plan].version), rule \(id): \(formula())")
    }

    mutating func line(_ line: CommissionLine, _ how: @autoclosure () -> String, redirected: Bool) {
        let partner = book.partners[Int(line.beneficiary)].id
        notes.append("pays \(partner) \(Explain.money(line.amount)) \(book.currency.code) at level \(line.level) for rule \(book.ruleIDs[Int(line.rule)]): \(how())\(redirected ? " (the account's rebate receiver)" : "")")
    }
}

/// Numbers as explanations, reports and the CLI print them.
public enum Explain {
    /// Accrual units (10^-8) as a decimal with at least cents: 10.50, 0.0035.
    public static func money(_ units: Int64) -> String { FixedPoint.format(units, scale: 8, minimumDecimals: 2) }

    /// 10^-8 lots without trailing zeros: 1.5, 0.01, 2.
    public static func lots(_ volume: Int64) -> String { FixedPoint.format(volume, scale: 8, minimumDecimals: 0) }
}
