import Money

/// A symbol as the book needs it.
public struct InstrumentInfo: Sendable, Equatable {
    public var symbol: String
    /// The group rules select by when they name no value for the symbol ("fx_majors", "metals").
    public var group: String
    public var digits: Int
    /// The symbol's profit currency to the book's currency, for point-based rules.
    public var toPayout: ConversionRate

    public init(symbol: String, group: String, digits: Int, toPayout: ConversionRate = .one) {
        self.symbol = symbol
        self.group = group
        self.digits = digits
        self.toPayout = toPayout
    }
}

/// A partner in the book: who earns, under which plan version (a personal
/// override is simply another plan).
public struct PartnerInfo: Sendable, Equatable {
    public var id: String
    /// Index into the book's plans; nil earns nothing (and caps nobody).
    public var plan: Int?

    public init(id: String, plan: Int?) {
        self.id = id
        self.plan = plan
    }
}

/// A trading account in the book: its attribution chain at the book's time.
public struct AccountInfo: Sendable, Equatable {
    public var key: String
    public var accountType: String
    /// Partner indices, level 1 (the attributed partner) first, up to the root.
    public var chain: [Int]
    /// Excluded from IB payouts (own accounts, related accounts, self-referral).
    public var excluded: Bool
    /// Who receives level 1's earnings instead of the attributed partner.
    public var rebateReceiver: Int?
    /// The account currency to the book's currency (commission shares).
    public var toPayout: ConversionRate

    public init(key: String, accountType: String = "", chain: [Int], excluded: Bool = false, rebateReceiver: Int? = nil,
                toPayout: ConversionRate = .one) {
        self.key = key
        self.accountType = accountType
        self.chain = chain
        self.excluded = excluded
        self.rebateReceiver = rebateReceiver
        self.toPayout = toPayout
    }
}

/// Everything the engine needs for deals in one span of time (the plan versions
/// and tree in force), compiled into flat arrays: the hot path reads indices and
/// integers, never names or dictionaries. A new book is built when a plan, the
/// tree or an attribution changes; deals are computed with the book of their time.
public struct CommissionBook: Sendable {
    public let currency: Currency
    public let plans: [CommissionPlan]
    public let instruments: [InstrumentInfo]
    public let partners: [PartnerInfo]
    public let accounts: [AccountInfo]
    /// Rule ids across all plans; `CommissionLine.rule` indexes this.
    public let ruleIDs: [String]

    // Plans.
    let planDistribution: [UInt8]          // 0 difference, 1 per level, 2 capped ratios, 3 direct
    let planShareStart: [Int32]            // into planShares (per level shares or ratios)
    let planShareCount: [Int32]
    let planShares: [Int64]
    let planCap: [Int64]                   // per-level total cap (ppm) or -1
    let planEarnOpen: [Bool]
    let planEarnClose: [Bool]
    let planMinHold: [Int64]               // microseconds
    let planMinPoints: [Int64]
    let planSkipOpenEqualsClose: [Bool]
    let planBonusCoefficient: [Bool]
    let planCapPerDeal: [Int64]            // accrual or -1
    let planRuleStart: [Int32]
    let planRuleCount: [Int32]
    // Rules, flattened across plans.
    let ruleSlot: [Int16]
    let ruleKind: [UInt8]                  // 0 per lot money, 1 per lot points, 2 spread share, 3 commission share
    let ruleShare: [Int64]                 // ppm
    let ruleTypeMask: [UInt64]             // account types it applies to; all bits when any
    let ruleValue: [Int64]                 // rule x symbol: per-lot amount (accrual) / points (10^-8) / spread per lot
    let ruleCapPerLot: [Int64]             // rule x symbol, -1 none
    let ruleTypicalSpread: [Int64]         // rule x symbol, points, 0 when not damped
    // Accounts.
    let accountChainStart: [Int32]
    let accountChainLength: [Int32]
    let chainPartners: [Int32]
    let accountExcluded: [Bool]
    let accountTypeBit: [UInt64]
    let accountReceiver: [Int32]
    let accountRate: [ConversionRate]
    // Partners and symbols.
    let partnerPlan: [Int32]
    let symbolRate: [ConversionRate]
    let symbolPointScale: [Int64]          // 10^(8 - digits)
    let maxDepth: Int
    /// Accounts whose whole chain is the common shape "each level's plan has one
    /// per-lot money rule for the same rule id, difference distribution, no filters
    /// or caps": the engine computes them on a short path. `fastRule` holds, per
    /// chain position, the rule index of that level's plan.
    let accountFast: [Bool]
    let fastRule: [Int32]
    let fastSlot: [Int16]

    public init(currency: Currency, plans: [CommissionPlan], instruments: [InstrumentInfo], partners: [PartnerInfo],
                accounts: [AccountInfo]) throws(PlanValidationError) {
        self.currency = currency
        self.plans = plans
        self.instruments = instruments
        self.partners = partners
        self.accounts = accounts
        let symbolCount = instruments.count
        var ruleIDs: [String] = []
        var slotOf: [String: Int16] = [:]
        var accountTypes: [String: Int] = [:]
        for account in accounts where accountTypes[account.accountType] == nil {
            guard accountTypes.count < 64 else { throw PlanValidationError(path: "accounts", message: "at most 64 account types in one book") }
            accountTypes[account.accountType] = accountTypes.count
        }
        var distribution: [UInt8] = [], shareStart: [Int32] = [], shareCount: [Int32] = [], shares: [Int64] = [], cap: [Int64] = []
        var earnOpen: [Bool] = [], earnClose: [Bool] = [], minHold: [Int64] = [], minPoints: [Int64] = [], skipEqual: [Bool] = []
        var bonus: [Bool] = [], capPerDeal: [Int64] = [], ruleStart: [Int32] = [], ruleCount: [Int32] = []
        var slot: [Int16] = [], kind: [UInt8] = [], share: [Int64] = [], typeMask: [UInt64] = [], value: [Int64] = [], capPerLot: [Int64] = []
        var typicalSpread: [Int64] = []
        for (planIndex, plan) in plans.enumerated() {
            try plan.validate()
            let path = "plans[\(planIndex)]"
            guard plan.currency == currency.code else {
                throw PlanValidationError(path: "\(path).currency", message: "\(plan.currency) differs from the book's \(currency.code)")
            }
            switch plan.distribution {
            case .difference: distribution.append(0)
            case .perLevel: distribution.append(1)
            case .cappedRatios: distribution.append(2)
            case .direct: distribution.append(3)
            }
            shareStart.append(Int32(shares.count))
            switch plan.distribution {
            case let .perLevel(levelShares, levelCap):
                shares += levelShares.compactMap { Share($0)?.ppm }
                cap.append(levelCap.flatMap { Share($0)?.ppm } ?? -1)
            case let .cappedRatios(ratios):
                shares += ratios.map(Int64.init)
                cap.append(-1)
            default:
                cap.append(-1)
            }
            shareCount.append(Int32(shares.count) - shareStart[planIndex])
            earnOpen.append(plan.earnOn != .close)
            earnClose.append(plan.earnOn != .open)
            minHold.append(plan.filters.minHoldSeconds * 1_000_000)
            minPoints.append(plan.filters.minPoints)
            skipEqual.append(plan.filters.skipOpenEqualsClose)
            bonus.append(plan.filters.bonusCoefficient)
            capPerDeal.append(try plan.filters.capPerDeal.map { text throws(PlanValidationError) in
                try Self.accrual(text, path: "\(path).filters.cap_per_deal")
            } ?? -1)
            ruleStart.append(Int32(slot.count))
            ruleCount.append(Int32(plan.rules.count))
            for (ruleIndex, rule) in plan.rules.enumerated() {
                let rulePath = "\(path).rules[\(ruleIndex)]"
                if slotOf[rule.id] == nil {
                    guard ruleIDs.count < Int(Int16.max) else { throw PlanValidationError(path: rulePath, message: "too many rule ids") }
                    slotOf[rule.id] = Int16(ruleIDs.count)
                    ruleIDs.append(rule.id)
                }
                slot.append(slotOf[rule.id] ?? 0)
                switch rule.kind {
                case .perLot: kind.append(rule.unit == .points ? 1 : 0)
                case .spreadShare: kind.append(2)
                case .commissionShare: kind.append(3)
                }
                let ruleShare = rule.share.flatMap { Share($0)?.ppm } ?? 0
                let capShare = rule.capShare.flatMap { Share($0)?.ppm } ?? Share.whole
                share.append(min(ruleShare, capShare))
                typeMask.append(rule.accountTypes.isEmpty ? UInt64.max
                                : rule.accountTypes.reduce(UInt64(0)) { mask, type in accountTypes[type].map { mask | (1 << UInt64($0)) } ?? mask })
                let table = rule.kind == .spreadShare ? (rule.spreadPerLot ?? ByInstrumentDefault.none) : rule.rates
                for instrument in instruments {
                    let chosen = table.value(symbol: instrument.symbol, group: instrument.group)
                    value.append(try chosen.map { chosen throws(PlanValidationError) in
                        rule.unit == .points && rule.kind == .perLot
                            ? try Self.points(chosen.text, path: "\(rulePath).rates")
                            : try Self.accrual(chosen.text, path: "\(rulePath).\(rule.kind == .spreadShare ? "spread_per_lot" : "rates")")
                    } ?? 0)
                    capPerLot.append(try rule.capPerLot?.value(symbol: instrument.symbol, group: instrument.group).map { chosen throws(PlanValidationError) in
                        try Self.accrual(chosen.text, path: "\(rulePath).cap_per_lot")
                    } ?? -1)
                    typicalSpread.append(rule.typicalSpreadPoints?.value(symbol: instrument.symbol, group: instrument.group).flatMap { Int64($0.text) } ?? 0)
                }
            }
        }
        var chainStart: [Int32] = [], chainLength: [Int32] = [], chain: [Int32] = [], excluded: [Bool] = [], typeBit: [UInt64] = []
        var receiver: [Int32] = [], accountRate: [ConversionRate] = []
        var depth = 0
        for (index, account) in accounts.enumerated() {
            for partner in account.chain + (account.rebateReceiver.map { [$0] } ?? []) where !partners.indices.contains(partner) {
                throw PlanValidationError(path: "accounts[\(index)].chain", message: "no partner \(partner)")
            }
            chainStart.append(Int32(chain.count))
            chainLength.append(Int32(account.chain.count))
            chain += account.chain.map(Int32.init)
            depth = max(depth, account.chain.count)
            excluded.append(account.excluded)
            typeBit.append(1 << UInt64(accountTypes[account.accountType] ?? 0))
            receiver.append(Int32(account.rebateReceiver ?? -1))
            accountRate.append(account.toPayout)
        }
        var partnerPlan: [Int32] = []
        for (index, partner) in partners.enumerated() {
            if let plan = partner.plan, !plans.indices.contains(plan) {
                throw PlanValidationError(path: "partners[\(index)].plan", message: "no plan \(plan)")
            }
            partnerPlan.append(Int32(partner.plan ?? -1))
        }
        self.ruleIDs = ruleIDs
        planDistribution = distribution
        planShareStart = shareStart
        planShareCount = shareCount
        planShares = shares
        planCap = cap
        planEarnOpen = earnOpen
        planEarnClose = earnClose
        planMinHold = minHold
        planMinPoints = minPoints
        planSkipOpenEqualsClose = skipEqual
        planBonusCoefficient = bonus
        planCapPerDeal = capPerDeal
        planRuleStart = ruleStart
        planRuleCount = ruleCount
        ruleSlot = slot
        ruleKind = kind
        ruleShare = share
        ruleTypeMask = typeMask
        ruleValue = value
        ruleCapPerLot = capPerLot
        ruleTypicalSpread = typicalSpread
        accountChainStart = chainStart
        accountChainLength = chainLength
        chainPartners = chain
        accountExcluded = excluded
        accountTypeBit = typeBit
        accountReceiver = receiver
        self.accountRate = accountRate
        self.partnerPlan = partnerPlan
        symbolRate = instruments.map(\.toPayout)
        symbolPointScale = try instruments.enumerated().map { index, instrument throws(PlanValidationError) in
            guard (0...8).contains(instrument.digits) else { throw PlanValidationError(path: "instruments[\(index)].digits", message: "0 to 8") }
            return Power10.of(8 - instrument.digits)
        }
        maxDepth = depth
        var fast: [Bool] = [], fastRules: [Int32] = [], fastSlots: [Int16] = []
        for (index, account) in accounts.enumerated() {
            let plansInChain = account.chain.map { partnerPlan[$0] }
            var eligible = !account.chain.isEmpty && account.rebateReceiver == nil && !account.excluded && plansInChain.allSatisfy { $0 >= 0 }
            if eligible, let first = plansInChain.first {
                let p = Int(first)
                eligible = distribution[p] == 0 && capPerDeal[p] < 0 && !bonus[p] && minHold[p] == 0 && minPoints[p] == 0 && !skipEqual[p]
                    && earnClose[p] && !earnOpen[p]
            }
            let rules = plansInChain.map { plan -> Int32 in plan >= 0 && ruleCount[Int(plan)] == 1 ? ruleStart[Int(plan)] : -1 }
            if eligible {
                eligible = rules.allSatisfy { $0 >= 0 && kind[Int($0)] == 0 && typeMask[Int($0)] == UInt64.max }
                    && Set(rules.map { slot[Int($0)] }).count == 1
            }
            fast.append(eligible)
            fastRules += rules
            fastSlots.append(eligible ? slot[Int(rules[0])] : -1)
            _ = index
        }
        accountFast = fast
        fastRule = fastRules
        fastSlot = fastSlots
        _ = symbolCount
    }

    static func accrual(_ text: String, path: String) throws(PlanValidationError) -> Int64 {
        guard let units = try? FixedPoint.parse(text, scale: Accrual.scale), units >= 0 else {
            throw PlanValidationError(path: path, message: "\(text) is not a non-negative amount with at most 8 decimals")
        }
        return units
    }

    static func points(_ text: String, path: String) throws(PlanValidationError) -> Int64 {
        guard let units = try? FixedPoint.parse(text, scale: 8), units >= 0 else {
            throw PlanValidationError(path: path, message: "\(text) is not a non-negative number of points")
        }
        return units
    }
}

enum ByInstrumentDefault {
    static let none = CommissionPlan.ByInstrument()
}
