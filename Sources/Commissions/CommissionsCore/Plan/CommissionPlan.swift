import Money

/// A commission plan as partners managers write it (and as plans-as-code JSON
/// stores it): what each rule pays per deal, how amounts go up the partner tree,
/// and which deals earn nothing. Amounts are decimal strings in the plan's
/// currency; shares are percentages as strings ("30%").
///
/// A plan is a version: changing it makes a new version with its own effective
/// date, and deals are always computed with the version in force at their time.
public struct CommissionPlan: Codable, Sendable, Equatable {
    public var id: String
    public var version: Int
    public var name: String
    /// The currency commissions accrue and are paid in.
    public var currency: String
    /// Which deals earn: closing deals (the usual), opening deals, or both.
    public var earnOn: EarnOn
    public var distribution: Distribution
    public var filters: Filters
    public var rules: [Rule]
    /// A share of the broker's net revenue from the level-1 partner's clients, settled per period.
    public var revenueShare: RevenueSharePlan?
    /// A one-off amount per referred client who qualifies, paid to the level-1 partner.
    public var cpa: CPAPlan?

    public init(id: String, version: Int = 1, name: String, currency: String = "USD", earnOn: EarnOn = .close,
                distribution: Distribution = .difference, filters: Filters = Filters(), rules: [Rule], revenueShare: RevenueSharePlan? = nil,
                cpa: CPAPlan? = nil) {
        self.revenueShare = revenueShare
        self.cpa = cpa
        self.id = id
        self.version = version
        self.name = name
        self.currency = currency
        self.earnOn = earnOn
        self.distribution = distribution
        self.filters = filters
        self.rules = rules
    }

    public enum EarnOn: String, Codable, Sendable, CaseIterable { case close, open, both }

    enum CodingKeys: String, CodingKey {
        case id, version, name, currency, earnOn = "earn_on", distribution, filters, rules, revenueShare = "revenue_share", cpa
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        name = try c.decode(String.self, forKey: .name)
        currency = try c.decodeIfPresent(String.self, forKey: .currency) ?? "USD"
        earnOn = try c.decodeIfPresent(EarnOn.self, forKey: .earnOn) ?? .close
        distribution = try c.decodeIfPresent(Distribution.self, forKey: .distribution) ?? .difference
        filters = try c.decodeIfPresent(Filters.self, forKey: .filters) ?? Filters()
        rules = try c.decodeIfPresent([Rule].self, forKey: .rules) ?? []
        revenueShare = try c.decodeIfPresent(RevenueSharePlan.self, forKey: .revenueShare)
        cpa = try c.decodeIfPresent(CPAPlan.self, forKey: .cpa)
    }

    /// Revenue share as written in a plan: `share` of each period's net revenue,
    /// a negative period carried into the next, kept down to `carry_floor` at most
    /// (plan currency) and forgotten after `reset_after_periods` losing periods in a row.
    public struct RevenueSharePlan: Codable, Sendable, Equatable {
        public var share: String
        public var period: PayoutSchedule
        public var carryFloor: String?
        public var resetAfterPeriods: Int?
        /// The spread the broker earns per closed lot (plan currency), counted as revenue.
        public var spreadPerLot: ByInstrument?

        public init(share: String, period: PayoutSchedule = .monthly, carryFloor: String? = nil, resetAfterPeriods: Int? = nil,
                    spreadPerLot: ByInstrument? = nil) {
            self.share = share
            self.period = period
            self.carryFloor = carryFloor
            self.resetAfterPeriods = resetAfterPeriods
            self.spreadPerLot = spreadPerLot
        }

        enum CodingKeys: String, CodingKey {
            case share, period, carryFloor = "carry_floor", resetAfterPeriods = "reset_after_periods", spreadPerLot = "spread_per_lot"
        }

        /// The spread closed `volume` (10^-8 lots) of `symbol` (in `group`) earned, in accrual units (0 without a table).
        public func spread(symbol: String, group: String, volume: Int64) -> Int64 { spreadPerLot?.amount(symbol: symbol, group: group, volume: volume) ?? 0 }

        /// In engine units (ppm; the floor in accrual units, negative); nil when a field does not parse.
        public var settlement: RevenueShare? {
            guard let share = Share(share) else { return nil }
            var floor: Int64?
            if let carryFloor {
                guard let units = try? FixedPoint.parse(carryFloor, scale: Accrual.scale), units >= 0 else { return nil }
                floor = -units
            }
            return RevenueShare(share: share.ppm, carryFloor: floor, resetAfterPeriods: resetAfterPeriods)
        }
    }
}

extension CommissionPlan {
    /// How one deal's amounts reach the levels of the partner tree above its account
    /// (level 1 is the partner the account is attributed to). The plan of the level-1
    /// partner decides.
    public enum Distribution: Codable, Sendable, Equatable {
        /// Each level earns what its own plan gives, less what the level below
        /// earns for the same rule (a master at $7 over a sub-IB at $5 earns $2). A
        /// level never earns more than the level above it would: the top level's own
        /// amount is the most a deal pays for a rule.
        case difference
        /// Level n earns share n of the level-1 amount (20%, 5%, 2%); the total is
        /// capped at `cap` of it.
        case perLevel(shares: [String], cap: String?)
        /// The level-1 amount is a pool shared by the levels in these ratios; the
        /// parts of levels the tree does not have are not paid.
        case cappedRatios(ratios: [Int])
        /// Only level 1 earns.
        case direct

        enum CodingKeys: String, CodingKey { case kind, shares, cap, ratios }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .kind) {
            case "difference": self = .difference
            case "per_level": self = .perLevel(shares: try c.decode([String].self, forKey: .shares), cap: try c.decodeIfPresent(String.self, forKey: .cap))
            case "capped_ratios": self = .cappedRatios(ratios: try c.decode([Int].self, forKey: .ratios))
            case "direct": self = .direct
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown distribution \(other); use difference, per_level, capped_ratios or direct")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .difference: try c.encode("difference", forKey: .kind)
            case let .perLevel(shares, cap):
                try c.encode("per_level", forKey: .kind)
                try c.encode(shares, forKey: .shares)
                try c.encodeIfPresent(cap, forKey: .cap)
            case let .cappedRatios(ratios):
                try c.encode("capped_ratios", forKey: .kind)
                try c.encode(ratios, forKey: .ratios)
            case .direct: try c.encode("direct", forKey: .kind)
            }
        }
    }

    /// Deals that earn nothing, or less.
    public struct Filters: Codable, Sendable, Equatable {
        /// A closing deal earns only if its position was held this long.
        public var minHoldSeconds: Int64
        /// A closing deal earns only if the price moved at least this many points.
        public var minPoints: Int64
        /// No commission when the position closed at its open price.
        public var skipOpenEqualsClose: Bool
        /// Scale by (equity - credit) / equity, so that bonus money earns nothing.
        public var bonusCoefficient: Bool
        /// The most one deal pays for one rule, all levels together (decimal, plan currency).
        public var capPerDeal: String?
        /// The most the partner on this plan earns in a period, all rules and levels
        /// together; the excess is taken back when the period ends.
        public var capPerPeriod: PeriodCap?

        public init(minHoldSeconds: Int64 = 0, minPoints: Int64 = 0, skipOpenEqualsClose: Bool = false, bonusCoefficient: Bool = false,
                    capPerDeal: String? = nil, capPerPeriod: PeriodCap? = nil) {
            self.capPerPeriod = capPerPeriod
            self.minHoldSeconds = minHoldSeconds
            self.minPoints = minPoints
            self.skipOpenEqualsClose = skipOpenEqualsClose
            self.bonusCoefficient = bonusCoefficient
            self.capPerDeal = capPerDeal
        }

        enum CodingKeys: String, CodingKey {
            case minHoldSeconds = "min_hold_seconds", minPoints = "min_points", skipOpenEqualsClose = "skip_open_equals_close"
            case bonusCoefficient = "bonus_coefficient", capPerDeal = "cap_per_deal", capPerPeriod = "cap_per_period"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minHoldSeconds = try c.decodeIfPresent(Int64.self, forKey: .minHoldSeconds) ?? 0
            minPoints = try c.decodeIfPresent(Int64.self, forKey: .minPoints) ?? 0
            skipOpenEqualsClose = try c.decodeIfPresent(Bool.self, forKey: .skipOpenEqualsClose) ?? false
            bonusCoefficient = try c.decodeIfPresent(Bool.self, forKey: .bonusCoefficient) ?? false
            capPerDeal = try c.decodeIfPresent(String.self, forKey: .capPerDeal)
            capPerPeriod = try c.decodeIfPresent(PeriodCap.self, forKey: .capPerPeriod)
        }
    }

    /// A cap per period: `amount` (plan currency) per `period` (daily, weekly, monthly).
    public struct PeriodCap: Codable, Sendable, Equatable {
        public var amount: String
        public var period: PayoutSchedule

        public init(amount: String, period: PayoutSchedule = .monthly) {
            self.amount = amount
            self.period = period
        }
    }

    /// Values chosen by symbol, else by the symbol's group, else the default.
    public struct ByInstrument: Codable, Sendable, Equatable {
        public var defaultValue: String?
        public var groups: [String: String]
        public var symbols: [String: String]

        public init(default defaultValue: String? = nil, groups: [String: String] = [:], symbols: [String: String] = [:]) {
            self.defaultValue = defaultValue
            self.groups = groups
            self.symbols = symbols
        }

        enum CodingKeys: String, CodingKey { case defaultValue = "default", groups, symbols }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            defaultValue = try c.decodeIfPresent(String.self, forKey: .defaultValue)
            groups = try c.decodeIfPresent([String: String].self, forKey: .groups) ?? [:]
            symbols = try c.decodeIfPresent([String: String].self, forKey: .symbols) ?? [:]
        }

        /// Closed `volume` (10^-8 lots) of `symbol` (in `group`) at the table's amount per lot, in
        /// accrual units; 0 when the table has no amount for it.
        public func amount(symbol: String, group: String, volume: Int64) -> Int64 {
            guard let value = value(symbol: symbol, group: group),
                  let perLot = try? FixedPoint.parse(value.text, scale: Accrual.scale) else { return 0 }
            return EngineMath.perLot(perLot, volume)
        }

        /// The value for a symbol: symbol over group over default.
        public func value(symbol: String, group: String) -> (text: String, source: String)? {
            if let value = symbols[symbol] { return (value, "symbol \(symbol)") }
            if let value = groups[group] { return (value, "group \(group)") }
            return defaultValue.map { ($0, "default") }
        }
    }

    /// One way of earning. Rules with the same id in the plans of a chain are the
    /// same rule at different levels (that is what the difference model compares).
    public struct Rule: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            /// An amount per lot (`unit: money`, plan currency) or a number of points
            /// per lot (`unit: points`, worth contract size x point size in the
            /// symbol's profit currency: 10 points on a cent lot of 1,000 is $0.10).
            case perLot = "per_lot"
            /// `share` of the spread earned on the volume (`spread_per_lot`, plan
            /// currency), at most `cap_share` of it and `cap_per_lot` per lot.
            case spreadShare = "spread_share"
            /// `share` of the trading commission the client paid.
            case commissionShare = "commission_share"
        }
        public enum Unit: String, Codable, Sendable { case money, points }

        public var id: String
        public var kind: Kind
        public var unit: Unit
        public var rates: ByInstrument
        public var share: String?
        public var spreadPerLot: ByInstrument?
        public var capShare: String?
        public var capPerLot: ByInstrument?
        /// Account types the rule applies to; empty is all.
        public var accountTypes: [String]
        /// Volume tiers (per-lot money rules): real time pays `rates`; at the end of each
        /// period the partner's lots on the rule are priced by the tiers and the
        /// difference is posted.
        public var tiers: VolumeTiers?
        /// News-spike damping (spread share): the symbol's usual spread in points; a
        /// deal done while the market's spread was wider pays x usual / current.
        public var typicalSpreadPoints: ByInstrument?

        public init(id: String, kind: Kind, unit: Unit = .money, rates: ByInstrument = ByInstrument(), share: String? = nil,
                    spreadPerLot: ByInstrument? = nil, capShare: String? = nil, capPerLot: ByInstrument? = nil, accountTypes: [String] = [],
                    tiers: VolumeTiers? = nil, typicalSpreadPoints: ByInstrument? = nil) {
            self.tiers = tiers
            self.typicalSpreadPoints = typicalSpreadPoints
            self.id = id
            self.kind = kind
            self.unit = unit
            self.rates = rates
            self.share = share
            self.spreadPerLot = spreadPerLot
            self.capShare = capShare
            self.capPerLot = capPerLot
            self.accountTypes = accountTypes
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, unit, rates, share, spreadPerLot = "spread_per_lot", capShare = "cap_share", capPerLot = "cap_per_lot"
            case accountTypes = "account_types", tiers, typicalSpreadPoints = "typical_spread_points"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            kind = try c.decode(Kind.self, forKey: .kind)
            unit = try c.decodeIfPresent(Unit.self, forKey: .unit) ?? .money
            rates = try c.decodeIfPresent(ByInstrument.self, forKey: .rates) ?? ByInstrument()
            share = try c.decodeIfPresent(String.self, forKey: .share)
            spreadPerLot = try c.decodeIfPresent(ByInstrument.self, forKey: .spreadPerLot)
            capShare = try c.decodeIfPresent(String.self, forKey: .capShare)
            capPerLot = try c.decodeIfPresent(ByInstrument.self, forKey: .capPerLot)
            accountTypes = try c.decodeIfPresent([String].self, forKey: .accountTypes) ?? []
            tiers = try c.decodeIfPresent(VolumeTiers.self, forKey: .tiers)
            typicalSpreadPoints = try c.decodeIfPresent(ByInstrument.self, forKey: .typicalSpreadPoints)
        }
    }

    /// A per-lot rule's volume tiers, as written in a plan.
    public struct VolumeTiers: Codable, Sendable, Equatable {
        public struct Step: Codable, Sendable, Equatable {
            /// Lots from which the step's rate applies, e.g. "100".
            public var fromLots: String
            /// Plan currency per lot, e.g. "6.50".
            public var rate: String

            public init(fromLots: String, rate: String) {
                self.fromLots = fromLots
                self.rate = rate
            }

            enum CodingKeys: String, CodingKey { case fromLots = "from_lots", rate }
        }

        public var mode: TierSchedule.Mode
        /// daily, weekly or monthly.
        public var period: PayoutSchedule
        public var steps: [Step]

        public init(mode: TierSchedule.Mode, period: PayoutSchedule = .monthly, steps: [Step]) {
            self.mode = mode
            self.period = period
            self.steps = steps
        }

        /// The steps in engine units (10^-8 lots, accrual units per lot); nil when a step does not parse.
        public var schedule: TierSchedule? {
            var tiers: [TierSchedule.Tier] = []
            for step in steps {
                guard let from = try? FixedPoint.parse(step.fromLots, scale: 8), let rate = try? FixedPoint.parse(step.rate, scale: Accrual.scale),
                      from >= 0, rate >= 0 else { return nil }
                tiers.append(TierSchedule.Tier(from: from, rate: rate))
            }
            return TierSchedule(mode: mode, tiers: tiers)
        }
    }
}
