import BrokerCore
import CommissionsCore
import Money
import Testing

/// The worked examples of docs/domain.md, computed by the engine.
@Suite struct WorkedExampleTests {
    typealias Plan = CommissionPlan
    static let lot: Int64 = 100_000_000
    static let accrual: Int64 = 100_000_000
    static func usd(_ text: String) -> Int64 { (try? FixedPoint.parse(text, scale: 8)) ?? -1 }

    static let instruments = [
        InstrumentInfo(symbol: "EURUSD", group: "fx_majors", digits: 5),
        InstrumentInfo(symbol: "EURTRY", group: "fx_exotics", digits: 5),
        InstrumentInfo(symbol: "XAUUSD", group: "metals", digits: 2),
        InstrumentInfo(symbol: "USOIL", group: "energies", digits: 3),
    ]

    static func book(plans: [Plan], partners: [PartnerInfo], accounts: [AccountInfo]) throws -> CommissionEngine {
        CommissionEngine(book: try CommissionBook(currency: .usd, plans: plans, instruments: instruments, partners: partners, accounts: accounts))
    }

    static func perLot(_ id: String, _ rates: Plan.ByInstrument, distribution: Plan.Distribution = .difference,
                       filters: Plan.Filters = .init(), unit: Plan.Rule.Unit = .money) -> Plan {
        Plan(id: id, name: id, distribution: distribution, filters: filters, rules: [.init(id: "rebate", kind: .perLot, unit: unit, rates: rates)])
    }

    static func lines(_ engine: CommissionEngine, _ deals: [EngineDeal]) -> [CommissionLine] {
        var lines: [CommissionLine] = []
        engine.compute(deals, into: &lines)
        return lines
    }

    @Test func perLotRebateBySymbolGroupAndDefault() throws {
        // $7 majors, $3 on everything else but $1 on energies.
        let plan = Self.perLot("ib", .init(default: "3.00", groups: ["fx_majors": "7.00", "energies": "1.00"]))
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        let deals = (0..<4).map { EngineDeal(ticket: UInt64($0), account: 0, symbol: Int32($0), volume: 2 * Self.lot) }
        #expect(Self.lines(engine, deals).map(\.amount) == [Self.usd("14"), Self.usd("6"), Self.usd("6"), Self.usd("2")])
    }

    @Test func differenceModelSevenOverFive() throws {
        // Master IB $7/lot, its sub-IB $5/lot: the sub earns $5, the master the $2 difference.
        let master = Self.perLot("master", .init(default: "7.00"))
        let sub = Self.perLot("sub", .init(default: "5.00"))
        let engine = try Self.book(plans: [master, sub], partners: [.init(id: "master", plan: 0), .init(id: "sub", plan: 1)],
                                   accounts: [.init(key: "a", chain: [1, 0])])
        let lines = Self.lines(engine, [EngineDeal(ticket: 1, account: 0, symbol: 0, volume: Self.lot)])
        #expect(lines == [CommissionLine(ticket: 1, beneficiary: 1, level: 1, rule: 0, amount: Self.usd("5")),
                          CommissionLine(ticket: 1, beneficiary: 0, level: 2, rule: 0, amount: Self.usd("2"))])
        // A child's rate never exceeds its parent's ceiling: a sub-IB at $9 under $7 earns $7, the master nothing.
        let greedy = try Self.book(plans: [master, Self.perLot("sub", .init(default: "9.00"))],
                                   partners: [.init(id: "master", plan: 0), .init(id: "sub", plan: 1)], accounts: [.init(key: "a", chain: [1, 0])])
        #expect(Self.lines(greedy, [EngineDeal(ticket: 1, account: 0, symbol: 0, volume: Self.lot)]).map(\.amount) == [Self.usd("7")])
    }

    @Test func fixedSharePerLevelTwentyFiveTwo() throws {
        // L1 20%, L2 5%, L3 2% of a $10 base amount.
        let plan = Self.perLot("ib", .init(default: "10.00"), distribution: .perLevel(shares: ["20%", "5%", "2%"], cap: nil))
        let engine = try Self.book(plans: [plan, plan, plan], partners: [.init(id: "l3", plan: 2), .init(id: "l2", plan: 1), .init(id: "l1", plan: 0)],
                                   accounts: [.init(key: "a", chain: [2, 1, 0])])
        let lines = Self.lines(engine, [EngineDeal(ticket: 9, account: 0, symbol: 0, volume: Self.lot)])
        #expect(lines.map(\.amount) == [Self.usd("2"), Self.usd("0.5"), Self.usd("0.2")])
        #expect(lines.map(\.beneficiary) == [2, 1, 0] && lines.map(\.level) == [1, 2, 3])
        // Capped at 22% of the base: the third level gets what is left under the cap.
        let capped = try Self.book(plans: [Self.perLot("ib", .init(default: "10.00"), distribution: .perLevel(shares: ["20%", "5%", "2%"], cap: "22%"))],
                                   partners: [.init(id: "l3", plan: 0), .init(id: "l2", plan: 0), .init(id: "l1", plan: 0)],
                                   accounts: [.init(key: "a", chain: [2, 1, 0])])
        #expect(Self.lines(capped, [EngineDeal(ticket: 9, account: 0, symbol: 0, volume: Self.lot)]).map(\.amount) == [Self.usd("2"), Self.usd("0.2")])
    }

    @Test func cappedTotalSharedByRatios() throws {
        // At most $10 per lot for all levels, shared 5:3:2; a two-level tree leaves the third part unpaid.
        let plan = Self.perLot("ib", .init(default: "10.00"), distribution: .cappedRatios(ratios: [5, 3, 2]))
        let engine = try Self.book(plans: [plan], partners: [.init(id: "top", plan: 0), .init(id: "ib", plan: 0)],
                                   accounts: [.init(key: "a", chain: [1, 0])])
        #expect(Self.lines(engine, [EngineDeal(ticket: 1, account: 0, symbol: 0, volume: 3 * Self.lot)]).map(\.amount) == [Self.usd("15"), Self.usd("9")])
    }

    @Test func spreadShareFiveLotsAtThirteenSixtyAndThirtyPercent() throws {
        // 5 lots x 13.6 x 30% = $20.40; capped at 3.00 per lot on FX the spread counted is 3 x 5 = 15, so 4.50.
        var rule = Plan.Rule(id: "spread", kind: .spreadShare, share: "30%", spreadPerLot: .init(default: "13.60"))
        let plan = Plan(id: "ib", name: "ib", rules: [rule])
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        #expect(Self.lines(engine, [EngineDeal(ticket: 1, account: 0, symbol: 0, volume: 5 * Self.lot)]).map(\.amount) == [Self.usd("20.40")])
        rule.capPerLot = .init(groups: ["fx_majors": "3.00"])
        rule.capShare = "25%"
        let capped = try Self.book(plans: [Plan(id: "ib", name: "ib", rules: [rule])], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        #expect(Self.lines(capped, [EngineDeal(ticket: 1, account: 0, symbol: 0, volume: 5 * Self.lot)]).map(\.amount) == [Self.usd("3.75")])
    }

    @Test func newsSpikeDampingPaysTimesUsualOverCurrentSpread() throws {
        // 5 lots x 13.6 x 30% = $20.40 at the usual 8-point spread; executed at 32 points
        // during news, it pays x 8 / 32 = $5.10. A tighter spread than usual is not raised.
        let rule = Plan.Rule(id: "spread", kind: .spreadShare, share: "30%", spreadPerLot: .init(default: "13.60"),
                             typicalSpreadPoints: .init(default: "10", symbols: ["EURUSD": "8"]))
        let engine = try Self.book(plans: [Plan(id: "ib", name: "ib", rules: [rule])], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        let amounts = Self.lines(engine, [8, 32, 5, 0].enumerated().map { index, points in
            EngineDeal(ticket: UInt64(index + 1), account: 0, symbol: 0, volume: 5 * Self.lot, spreadPoints: points)
        }).map(\.amount)
        #expect(amounts == [Self.usd("20.40"), Self.usd("5.10"), Self.usd("20.40"), Self.usd("20.40")])
        let notes = engine.explain(EngineDeal(ticket: 1, account: 0, symbol: 0, volume: 5 * Self.lot, spreadPoints: 32)).notes
        #expect(notes.contains { $0.contains("x usual spread 8 / spread at execution 32 points") }, "\(notes)")
        #expect(throws: PlanValidationError(path: "rules[0].typical_spread_points.default", message: "0 is not a whole number of points above 0")) {
            try Plan(id: "ib", name: "ib", rules: [Plan.Rule(id: "s", kind: .spreadShare, share: "30%", spreadPerLot: .init(default: "1"),
                                                               typicalSpreadPoints: .init(default: "0"))]).validate()
        }
    }

    @Test func commissionShareTenPercentOfSeventy() throws {
        let plan = Plan(id: "ib", name: "ib", rules: [.init(id: "commission", kind: .commissionShare, share: "10%")])
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        let deal = EngineDeal(ticket: 1, account: 0, symbol: 0, volume: 10 * Self.lot, commission: -Self.usd("70"))
        #expect(Self.lines(engine, [deal]).map(\.amount) == [Self.usd("7")])
        // From a EUR account at 1.0843 USD per EUR: 10% of EUR 70 = USD 7.5901.
        let eur = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)],
                                accounts: [.init(key: "a", chain: [0], toPayout: ConversionRate(numerator: 10_843, denominator: 10_000))])
        #expect(Self.lines(eur, [deal]).map(\.amount) == [Self.usd("7.5901")])
    }

    @Test func centAccountRebateOfTenPointsIsTenCents() throws {
        // 1 lot x 10 points x 0.00001 x contract 1,000 = $0.10.
        let plan = Self.perLot("ib", .init(default: "10"), unit: .points)
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "cent", chain: [0])])
        let deal = EngineDeal(ticket: 1, account: 0, symbol: 0, volume: Self.lot, contractSize: 1_000)
        #expect(Self.lines(engine, [deal]).map(\.amount) == [Self.usd("0.10")])
        // The same rule on a standard lot (100,000) is $10.
        #expect(Self.lines(engine, [EngineDeal(ticket: 2, account: 0, symbol: 0, volume: Self.lot)]).map(\.amount) == [Self.usd("10")])
    }

    @Test func minimumHoldTimeAndPriceFilters() throws {
        let plan = Self.perLot("ib", .init(default: "5.00"), filters: .init(minHoldSeconds: 60, minPoints: 3, skipOpenEqualsClose: true))
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        let opened: Int64 = 1_000_000_000
        let quick = EngineDeal(ticket: 1, account: 0, symbol: 0, time: opened + 59_000_000, volume: Self.lot, pricePoints: 108_400,
                               openPricePoints: 108_300, openedAt: opened)
        var held = quick
        held.ticket = 2
        held.time = opened + 60_000_000
        var flat = held
        flat.ticket = 3
        flat.pricePoints = 108_300
        var tiny = held
        tiny.ticket = 4
        tiny.pricePoints = 108_302
        var opening = held
        opening.ticket = 5
        opening.entry = .entryIn
        #expect(Self.lines(engine, [quick, held, flat, tiny, opening]).map(\.ticket) == [2])
        let (_, notes) = engine.explain(quick)
        #expect(notes.first?.contains("held 59 s, less than the plan's minimum of 60 s") == true)
    }

    @Test func bonusCoefficientPaysOnlyOnTheClientsOwnMoney() throws {
        // Equity 1,000 of which 250 is bonus credit: (1000 - 250) / 1000 of $7.
        let plan = Self.perLot("ib", .init(default: "7.00"), filters: .init(bonusCoefficient: true))
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0)], accounts: [.init(key: "a", chain: [0])])
        let deal = EngineDeal(ticket: 1, account: 0, symbol: 0, volume: Self.lot, equity: Self.usd("1000"), credit: Self.usd("250"))
        #expect(Self.lines(engine, [deal]).map(\.amount) == [Self.usd("5.25")])
        var allBonus = deal
        allBonus.credit = Self.usd("1000")
        #expect(Self.lines(engine, [allBonus]).isEmpty)
    }

    @Test func excludedAccountsAndRebateReceivers() throws {
        let plan = Self.perLot("ib", .init(default: "7.00"))
        let engine = try Self.book(plans: [plan], partners: [.init(id: "ib", plan: 0), .init(id: "client-rebate", plan: nil)],
                                   accounts: [.init(key: "own", chain: [0], excluded: true), .init(key: "redirected", chain: [0], rebateReceiver: 1)])
        let lines = Self.lines(engine, [EngineDeal(ticket: 1, account: 0, symbol: 0, volume: Self.lot),
                                        EngineDeal(ticket: 2, account: 1, symbol: 0, volume: Self.lot)])
        #expect(lines == [CommissionLine(ticket: 2, beneficiary: 1, level: 1, rule: 0, amount: Self.usd("7"))])
    }

    @Test func ladderVersusFlatTiers() {
        // 0-100 lots at $5, 100-500 at $6, from 500 at $7; 600 lots in the period.
        let tiers = [TierSchedule.Tier(from: 0, rate: Self.usd("5")), .init(from: 100 * Self.lot, rate: Self.usd("6")), .init(from: 500 * Self.lot, rate: Self.usd("7"))]
        #expect(TierSchedule(mode: .flat, tiers: tiers).amount(for: 600 * Self.lot) == Self.usd("4200"))
        #expect(TierSchedule(mode: .ladder, tiers: tiers).amount(for: 600 * Self.lot) == Self.usd("3600"))
        #expect(TierSchedule(mode: .ladder, tiers: tiers).amount(for: 50 * Self.lot) == Self.usd("250"))
        // Paid $5 a lot in real time, the flat period end posts the difference.
        #expect(TierSchedule(mode: .flat, tiers: tiers).adjustment(for: 600 * Self.lot, alreadyPaid: Self.usd("3000")) == Self.usd("1200"))
    }

    @Test func cpaQualificationNeedsEveryConditionInTime() {
        // First deposit of at least $100 AND 5 lots AND $80 of spread within 30 days, KYC approved.
        let rule = CPARule(minFirstDeposit: 10_000, minLots: 5 * Self.lot, minSpread: 80 * Self.accrual, requireKYC: true, withinDays: 30,
                           bands: [.init(minDeposit: 100_000, countries: ["DE"], amount: 60_000), .init(minDeposit: 10_000, amount: 25_000)])
        let day: Int64 = 86_400_000_000
        let events: [ClientEvent] = [.deposit(amount: 15_000, at: day), .traded(lots: 3 * Self.lot, spread: 50 * Self.accrual, at: 2 * day),
                                     .kycApproved(at: 3 * day), .traded(lots: 2 * Self.lot, spread: 30 * Self.accrual, at: 4 * day)]
        #expect(rule.evaluate(registeredAt: 0, country: "ES", excludedReason: nil, events: events, now: 5 * day) == .qualified(at: 4 * day, amount: 25_000))
        #expect(rule.evaluate(registeredAt: 0, country: "ES", excludedReason: nil, events: Array(events.prefix(3)), now: 5 * day)
                == .notYet(missing: ["lots", "spread"]))
        // The last trade comes after the 30 days: never qualifies.
        var late = events
        late[3] = .traded(lots: 2 * Self.lot, spread: 30 * Self.accrual, at: 31 * day)
        #expect(rule.evaluate(registeredAt: 0, country: "ES", excludedReason: nil, events: late, now: 40 * day) == .expired)
        #expect(rule.evaluate(registeredAt: 0, country: "ES", excludedReason: "own account", events: events, now: 5 * day) == .excluded("own account"))
        // A German client's $1,500 first deposit falls in the richer band.
        var rich = events
        rich[0] = .deposit(amount: 150_000, at: day)
        #expect(rule.evaluate(registeredAt: 0, country: "DE", excludedReason: nil, events: rich, now: 5 * day) == .qualified(at: 4 * day, amount: 60_000))
    }

    @Test func revenueShareCarriesLossesOver() {
        // 30% of net revenue; a loss period carries into the next.
        let share = RevenueShare(share: 300_000)
        let net = RevenueShare.net(clientLosses: 1_000_00, commissions: 200_00, spread: 300_00, swaps: 0, bonuses: 2_500_00)
        #expect(net == -1_000_00)
        let first = share.settle(net: net, carryIn: 0, periodsCarried: 0)
        #expect(first == .init(payout: 0, carryOut: -1_000_00, periodsCarried: 1))
        let second = share.settle(net: 500_00, carryIn: first.carryOut, periodsCarried: first.periodsCarried)
        #expect(second == .init(payout: 0, carryOut: -500_00, periodsCarried: 2))
        let third = share.settle(net: 2_000_00, carryIn: second.carryOut, periodsCarried: second.periodsCarried)
        #expect(third == .init(payout: 450_00, carryOut: 0, periodsCarried: 0))
        // With a floor, at most $600 of loss is carried; with a reset after 2 periods it is forgotten.
        #expect(RevenueShare(share: 300_000, carryFloor: -600_00).settle(net: -1_000_00, carryIn: 0, periodsCarried: 0).carryOut == -600_00)
        #expect(RevenueShare(share: 300_000, resetAfterPeriods: 2).settle(net: 2_000_00, carryIn: -500_00, periodsCarried: 2).payout == 600_00)
    }

    @Test func explanationsSayWhichRuleLevelAndNumbers() throws {
        let master = Self.perLot("master", .init(default: "7.00"))
        let sub = Self.perLot("sub", .init(symbols: ["EURUSD": "5.00"]))
        let engine = try Self.book(plans: [master, sub], partners: [.init(id: "master", plan: 0), .init(id: "sub", plan: 1)],
                                   accounts: [.init(key: "a", chain: [1, 0])])
        let deal = EngineDeal(ticket: 77, account: 0, symbol: 0, volume: 2 * Self.lot)
        let (lines, notes) = engine.explain(deal)
        #expect(lines == Self.lines(engine, [deal]))
        #expect(notes.contains("level 1, plan sub v1, rule rebate: 5.00 per lot x 2 lots = 10.00"))
        #expect(notes.contains("pays master 4.00 USD at level 2 for rule rebate: difference: own 14.00 - level below 10.00"))
    }
}
