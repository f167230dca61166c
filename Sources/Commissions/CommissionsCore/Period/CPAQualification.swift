import Money

/// Cost-per-acquisition: a one-off amount when a referred client qualifies, decided
/// from the client's events. Every condition must hold within `withinDays` of
/// registration; own and related accounts never qualify.
public struct CPARule: Codable, Sendable, Equatable {
    /// Minimum first deposit, minor units of `currency`.
    public var minFirstDeposit: Int64
    /// Minimum lots traded, 10^-8 lots.
    public var minLots: Int64
    /// Minimum spread the broker collected, accrual units (10^-8).
    public var minSpread: Int64
    public var requireKYC: Bool
    public var withinDays: Int64
    /// Payout bands: the first band whose deposit threshold (and country, when set)
    /// matches pays its amount; minor units.
    public var bands: [Band]

    public struct Band: Codable, Sendable, Equatable {
        public var minDeposit: Int64
        public var countries: [String]
        public var amount: Int64

        public init(minDeposit: Int64, countries: [String] = [], amount: Int64) {
            self.minDeposit = minDeposit
            self.countries = countries
            self.amount = amount
        }
    }

    public init(minFirstDeposit: Int64, minLots: Int64, minSpread: Int64, requireKYC: Bool, withinDays: Int64, bands: [Band]) {
        self.minFirstDeposit = minFirstDeposit
        self.minLots = minLots
        self.minSpread = minSpread
        self.requireKYC = requireKYC
        self.withinDays = withinDays
        self.bands = bands
    }
}

/// What happened to a referred client, in time order.
public enum ClientEvent: Sendable, Equatable {
    case deposit(amount: Int64, at: Int64)
    case traded(lots: Int64, spread: Int64, at: Int64)
    case kycApproved(at: Int64)
}

public enum CPAOutcome: Sendable, Equatable {
    /// Qualified at `at` (µs), paying `amount` minor units.
    case qualified(at: Int64, amount: Int64)
    case notYet(missing: [String])
    case excluded(String)
    case expired
}

extension CPARule {
    /// Decides qualification from the client's events (µs times).
    public func evaluate(registeredAt: Int64, country: String, excludedReason: String?, events: [ClientEvent], now: Int64) -> CPAOutcome {
        if let excludedReason { return .excluded(excludedReason) }
        let deadline = registeredAt + withinDays * 86_400_000_000
        var firstDeposit: Int64? = nil, lots: Int64 = 0, spread: Int64 = 0, kyc = !requireKYC
        for event in events.sorted(by: { Self.time($0) < Self.time($1) }) {
            let time = Self.time(event)
            guard time <= deadline else { break }
            switch event {
            case let .deposit(amount, _): if firstDeposit == nil { firstDeposit = amount }
            case let .traded(traded, collected, _):
                lots += traded
                spread += collected
            case .kycApproved: kyc = true
            }
            if let deposit = firstDeposit, deposit >= minFirstDeposit, lots >= minLots, spread >= minSpread, kyc {
                guard let band = bands.first(where: { deposit >= $0.minDeposit && ($0.countries.isEmpty || $0.countries.contains(country)) }) else {
                    return .notYet(missing: ["a payout band for a deposit of \(deposit) from \(country)"])
                }
                return .qualified(at: time, amount: band.amount)
            }
        }
        if now > deadline { return .expired }
        var missing: [String] = []
        if (firstDeposit ?? 0) < minFirstDeposit { missing.append("first deposit") }
        if lots < minLots { missing.append("lots") }
        if spread < minSpread { missing.append("spread") }
        if !kyc { missing.append("KYC") }
        return .notYet(missing: missing)
    }

    static func time(_ event: ClientEvent) -> Int64 {
        switch event {
        case let .deposit(_, at), let .traded(_, _, at), let .kycApproved(at): at
        }
    }
}
