import Money

extension CommissionPlan {
    /// Cost per acquisition as written in a plan: a one-off amount for each referred
    /// client who, within `within_days` of registering, makes a first deposit of at
    /// least `min_first_deposit`, trades `min_lots` (closed volume), brings the broker
    /// `min_spread` of spread (valued with `spread_per_lot`) and, when required, is
    /// KYC approved. The first band whose `min_deposit` the first deposit reaches (and
    /// whose countries hold the client's, when it names some) sets the amount.
    /// Amounts are decimals in the plan currency; it is paid to the level-1 partner.
    public struct CPAPlan: Codable, Sendable, Equatable {
        public var minFirstDeposit: String
        public var minLots: String?
        public var minSpread: String?
        public var spreadPerLot: ByInstrument?
        public var requireKYC: Bool
        public var withinDays: Int
        public var bands: [Band]

        public struct Band: Codable, Sendable, Equatable {
            public var minDeposit: String
            public var countries: [String]
            public var amount: String

            public init(minDeposit: String, countries: [String] = [], amount: String) {
                self.minDeposit = minDeposit
                self.countries = countries
                self.amount = amount
            }

            enum CodingKeys: String, CodingKey { case minDeposit = "min_deposit", countries, amount }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                minDeposit = try c.decodeIfPresent(String.self, forKey: .minDeposit) ?? "0"
                countries = try c.decodeIfPresent([String].self, forKey: .countries) ?? []
                amount = try c.decode(String.self, forKey: .amount)
            }
        }

        public init(minFirstDeposit: String, minLots: String? = nil, minSpread: String? = nil, spreadPerLot: ByInstrument? = nil,
                    requireKYC: Bool = false, withinDays: Int = 30, bands: [Band]) {
            self.minFirstDeposit = minFirstDeposit
            self.minLots = minLots
            self.minSpread = minSpread
            self.spreadPerLot = spreadPerLot
            self.requireKYC = requireKYC
            self.withinDays = withinDays
            self.bands = bands
        }

        enum CodingKeys: String, CodingKey {
            case minFirstDeposit = "min_first_deposit", minLots = "min_lots", minSpread = "min_spread", spreadPerLot = "spread_per_lot"
            case requireKYC = "require_kyc", withinDays = "within_days", bands
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minFirstDeposit = try c.decode(String.self, forKey: .minFirstDeposit)
            minLots = try c.decodeIfPresent(String.self, forKey: .minLots)
            minSpread = try c.decodeIfPresent(String.self, forKey: .minSpread)
            spreadPerLot = try c.decodeIfPresent(ByInstrument.self, forKey: .spreadPerLot)
            requireKYC = try c.decodeIfPresent(Bool.self, forKey: .requireKYC) ?? false
            withinDays = try c.decodeIfPresent(Int.self, forKey: .withinDays) ?? 30
            bands = try c.decode([Band].self, forKey: .bands)
        }

        /// In engine units (minor units of `currency` for deposits and amounts,
        /// 10^-8 lots, accrual units for spread); nil when a field does not parse.
        public func rule(currency: Currency) -> CPARule? {
            func minor(_ text: String) -> Int64? { try? FixedPoint.parse(text, scale: currency.exponent) }
            guard let deposit = minor(minFirstDeposit), let lots = try? FixedPoint.parse(minLots ?? "0", scale: 8),
                  let spread = try? FixedPoint.parse(minSpread ?? "0", scale: Accrual.scale) else { return nil }
            var parsed: [CPARule.Band] = []
            for band in bands {
                guard let from = minor(band.minDeposit), let amount = minor(band.amount) else { return nil }
                parsed.append(CPARule.Band(minDeposit: from, countries: band.countries.map { $0.uppercased() }, amount: amount))
            }
            return CPARule(minFirstDeposit: deposit, minLots: lots, minSpread: spread, requireKYC: requireKYC, withinDays: Int64(withinDays), bands: parsed)
        }

        /// The spread a closing deal brought the broker, in accrual units of the plan
        /// currency: its lots x `spread_per_lot` of its symbol or `group` (0 without a table).
        public func spread(symbol: String, group: String, volume: Int64) -> Int64 { spreadPerLot?.amount(symbol: symbol, group: group, volume: volume) ?? 0 }

        func validate(currency: Currency) throws(PlanValidationError) {
            func fail(_ path: String, _ message: String) -> PlanValidationError { PlanValidationError(path: "cpa.\(path)", message: message) }
            func minor(_ text: String, _ path: String) throws(PlanValidationError) {
                guard let units = try? FixedPoint.parse(text, scale: currency.exponent), units >= 0 else {
                    throw fail(path, "\(text) is not a non-negative amount in \(currency.code) with at most \(currency.exponent) decimals")
                }
            }
            try minor(minFirstDeposit, "min_first_deposit")
            if let minLots, (try? FixedPoint.parse(minLots, scale: 8)).map({ $0 >= 0 }) != true {
                throw fail("min_lots", "\(minLots) is not a non-negative number of lots")
            }
            if let minSpread {
                try CommissionPlan.amount(minSpread, "cpa.min_spread")
                guard spreadPerLot != nil else { throw fail("spread_per_lot", "a minimum spread needs the spread earned per lot") }
            }
            if let spreadPerLot { try CommissionPlan.table(spreadPerLot, "cpa.spread_per_lot", points: false) }
            guard (1...3_650).contains(withinDays) else { throw fail("within_days", "1 to 3650 days") }
            guard !bands.isEmpty else { throw fail("bands", "give at least one band, e.g. [{\"min_deposit\": \"100.00\", \"amount\": \"250.00\"}]") }
            for (index, band) in bands.enumerated() {
                try minor(band.minDeposit, "bands[\(index)].min_deposit")
                try minor(band.amount, "bands[\(index)].amount")
                for (country, code) in band.countries.enumerated() where code.count != 2 || !code.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    throw fail("bands[\(index)].countries[\(country)]", "\(code) is not a two-letter country code")
                }
            }
        }
    }
}
