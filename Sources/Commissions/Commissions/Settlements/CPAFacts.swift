import BrokerCore
import CommissionsCore
import Money
import SQLKit
import Clients
import Identity
import Ledger
import Partners
import Platform
import Trading

extension CPASettlement {
    static let microsPerDay: Int64 = 86_400_000_000

    /// What the client did from registering to the end of the CPA window, as events
    /// for `CPARule` and as totals for people to read. Deposits and amounts are in
    /// minor units of the plan currency; a deposit in another currency is converted
    /// at the rate recorded for its time (cents of a cent account are hundredths of a
    /// dollar), or named in `skipped` when there is none.
    func facts(of client: String, cpa: CommissionPlan.CPAPlan, rule: CPARule, currency: Currency) async throws -> Facts {
        let registeredAt = try await db.read { sql in
            try await UserDirectory.registeredAt(UserID(client), on: sql)
        } ?? 0
        let deadline = registeredAt + rule.withinDays * Self.microsPerDay
        var events: [ClientEvent] = []
        var skipped: [String] = []
        var firstDeposit: (at: Int64, amount: Int64)?
        for deposit in try await firstDeposits(of: client) {
            guard let amount = try await convert(deposit.amount, from: deposit.currency, to: currency, at: deposit.at) else {
                skipped.append("\(deposit.source) deposit in \(deposit.currency)")
                continue
            }
            events.append(.deposit(amount: amount, at: deposit.at))
            if firstDeposit.map({ deposit.at < $0.at }) ?? true { firstDeposit = (deposit.at, amount) }
        }
        let (kycAt, country) = try await identity(of: client)
        if let kycAt { events.append(.kycApproved(at: kycAt)) }
        var lots: Int64 = 0, spread: Int64 = 0
        let instruments = try await catalog.groups(at: deadline)
        for deal in try await closedDeals(of: client, from: registeredAt, to: deadline) {
            let collected = cpa.spread(symbol: deal.symbol, group: instruments.group(of: deal.symbol), volume: deal.volume)
            events.append(.traded(lots: deal.volume, spread: collected, at: deal.at))
            lots += deal.volume
            spread += collected
        }
        return Facts(registeredAt: registeredAt, currency: currency.code, firstDeposit: firstDeposit?.amount, lots: lots, spread: spread,
                     kycApproved: kycAt.map { $0 <= deadline } ?? false, country: country, events: events, skipped: skipped)
    }

    struct DepositSeen {
        let source: String
        let at: Int64
        /// Minor units of `currency`.
        let amount: Int64
        let currency: String
    }

    /// The earliest deposit each source knows: the wallet (deposits a payment provider
    /// confirmed into the ledger), reported deposit events, and balance deposits made
    /// on a live trade server directly (not Pipstack's own transfers from the wallet).
    func firstDeposits(of client: String) async throws -> [DepositSeen] {
        try await db.read { sql in
            var seen: [DepositSeen] = []
            if let deposit = try await LedgerReads.firstWalletDeposit(owner: client, on: sql) {
                seen.append(DepositSeen(source: "wallet", at: deposit.at, amount: deposit.amount, currency: deposit.currency))
            }
            if let deposit = try await ClientEventStore.firstDeposit(of: client, on: sql) {
                seen.append(DepositSeen(source: "reported", at: deposit.at, amount: deposit.amount, currency: deposit.currency))
            }
            for account in try await TradingAccountStore.liveAccounts(of: client, on: sql) {
                guard let deposit = try await DealHistory.firstDirectDeposit(account: account.key, on: sql),
                      let currency = Currency(code: account.currency) else { continue }
                // Deal amounts are 10^-8 of the account currency.
                let minor = Rounding.divide(deposit.amount, by: Power10.of(8 - currency.exponent), rule: .down).quotient
                seen.append(DepositSeen(source: "trade server", at: deposit.at, amount: minor, currency: currency.code))
            }
            return seen
        }
    }

    /// When KYC was first approved (as reported), and the client's latest reported country.
    func identity(of client: String) async throws -> (kycAt: Int64?, country: String) {
        try await db.read { sql in
            let kyc = try await ClientEventStore.firstKYCApproval(of: client, on: sql)
            let country = try await ClientEventStore.latestCountry(of: client, on: sql)
            return (kyc, country)
        }
    }

    struct ClosedDeal {
        let at: Int64
        let symbol: String
        let volume: Int64
    }

    /// Closing trades on the client's live accounts in the window (accounts excluded
    /// from partner payouts left out): the volume a CPA counts as traded.
    func closedDeals(of client: String, from start: Int64, to end: Int64) async throws -> [ClosedDeal] {
        try await db.read { sql in
            var deals: [ClosedDeal] = []
            let excluded = try await AttributionStore.excludedAccounts(from: start, to: end, on: sql)
            for account in try await TradingAccountStore.liveAccounts(of: client, on: sql) where !excluded.contains(account.key.description) {
                for trade in try await DealHistory.closingTrades(account: account.key, from: start, to: end, on: sql) {
                    deals.append(ClosedDeal(at: trade.at, symbol: trade.symbol, volume: trade.volume))
                }
            }
            return deals
        }
    }

    /// Minor units of `code` in minor units of `currency`, rounded down; nil without a rate.
    func convert(_ amount: Int64, from code: String, to currency: Currency, at time: Int64) async throws -> Int64? {
        if code == currency.code { return amount }
        if code == Currency.usc.code, currency == .usd { return Rounding.divide(amount, by: 100, rule: .down).quotient }
        guard let from = Currency(code: code), let recorded = try await rates.rate(from, currency, at: time) else { return nil }
        return try recorded.rate.convert(Money(minorUnits: amount, currency: from), rule: .down).money.minorUnits
    }
}
