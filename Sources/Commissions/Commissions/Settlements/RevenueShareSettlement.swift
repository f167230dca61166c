import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Trading
import Partners
import Ledger

/// Settles revenue share when a period ends: for each partner on a plan with a
/// revenue share, the broker's net revenue from the partner's clients in the period
/// (what they lost on closed trades, the commissions, swaps and fees they paid and
/// the spread their lots earned, less the bonuses they were given), plus the loss
/// carried from before, pays the plan's
/// share when positive and carries it when negative. Once per partner and period.
public struct RevenueShareSettlement: Sendable {
    public static let rule = "revenue_share"

    public struct Result: Sendable, Equatable {
        public let partner: PartnerID
        public let periodKey: String
        /// Accrual units of the plan currency.
        public let net: Int64
        public let carryIn: Int64
        public let payout: Int64
        public let carryOut: Int64
        /// Accounts left out because no recorded rate converts their currency to the plan's.
        public let skipped: [String]
    }

    let db: Database
    let plans: PlanStore
    let attributions: AttributionStore
    let postings: CommissionPostings
    let rates: ExchangeRateStore
    let catalog: InstrumentCatalog
    let clock: any PipstackClock

    public init(db: Database, ledger: LedgerStore, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
        plans = PlanStore(db: db, clock: clock)
        attributions = AttributionStore(db: db, clock: clock)
        postings = CommissionPostings(db: db, ledger: ledger, clock: clock)
        rates = ExchangeRateStore(db: db, clock: clock)
        catalog = InstrumentCatalog(db: db, clock: clock)
    }

    /// A partner's settled periods, newest first.
    public func periods(of partner: PartnerID, limit: Int = 24) async throws -> [Result] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM revenue_share_periods WHERE partner_id = \(bind: partner) ORDER BY period_end DESC LIMIT \(bind: limit)
                """).all().map { row in
                Result(partner: partner, periodKey: try row.decode(column: "period_key", as: String.self), net: try row.decode(column: "net", as: Int64.self),
                       carryIn: try row.decode(column: "carry_in", as: Int64.self), payout: try row.decode(column: "payout", as: Int64.self),
                       carryOut: try row.decode(column: "carry_out", as: Int64.self),
                       skipped: try row.decode(column: "skipped", as: String.self).split(separator: " ").map(String.init))
            }
        }
    }

    public func run(at now: Int64, audit: AuditContext) async throws -> [Result] {
        var results: [Result] = []
        for plan in try await plans.latest().map(\.plan) {
            guard let written = plan.revenueShare else { continue }
            let period = written.period.periodToSettle(at: now)
            guard let version = try await plans.plans(at: period.end - 1)[plan.id], let terms = version.revenueShare, let share = terms.settlement,
                  let currency = Currency(code: version.currency) else { continue }
            for (partner, planID) in try await plans.assignments(at: period.end - 1).sorted(by: { $0.key < $1.key }) where planID == plan.id {
                if let result = try await settle(partner: partner, plan: version, share: share, period: period, currency: currency, at: now, audit: audit) {
                    results.append(result)
                }
            }
        }
        try await postings.postPending()
        return results
    }

    func settle(partner: PartnerID, plan: CommissionPlan, share: RevenueShare, period: PayoutPeriod, currency: Currency, at now: Int64,
                audit: AuditContext) async throws -> Result? {
        guard let terms = plan.revenueShare else { return nil }
        let done = try await db.read { sql in
            try await sql.raw("SELECT net FROM revenue_share_periods WHERE partner_id = \(bind: partner) AND period_key = \(bind: period.key)").first()
        }
        guard done == nil else { return nil }
        let accounts = try await self.accounts(of: partner, at: period.end - 1)
        var net: Int64 = 0
        var skipped: [String] = []
        for account in accounts {
            guard let revenue = try await revenue(of: account, in: period, currency: currency, terms: terms) else {
                skipped.append(account.key.description)
                continue
            }
            net += revenue
        }
        let dialect = db.dialect
        let totalNet = net, skippedAccounts = skipped
        return try await db.transaction { sql -> Result? in
            let previous = try await sql.raw("""
                SELECT carry_out, periods_carried FROM revenue_share_periods WHERE partner_id = \(bind: partner) AND period_end <= \(bind: period.start)
                ORDER BY period_end DESC LIMIT 1
                """).first()
            let carryIn = try previous?.decode(column: "carry_out", as: Int64.self) ?? 0
            let carried = try previous?.decode(column: "periods_carried", as: Int.self) ?? 0
            let settlement = share.settle(net: totalNet, carryIn: carryIn, periodsCarried: carried)
            let inserted = try await sql.raw("""
                INSERT INTO revenue_share_periods (partner_id, period_key, period_start, period_end, plan_id, plan_version, accounts, net, carry_in, payout,
                    carry_out, periods_carried, skipped, currency, created_at)
                VALUES (\(bind: partner), \(bind: period.key), \(bind: period.start), \(bind: period.end), \(bind: plan.id), \(bind: plan.version),
                    \(bind: accounts.count), \(bind: totalNet), \(bind: carryIn), \(bind: settlement.payout), \(bind: settlement.carryOut),
                    \(bind: settlement.periodsCarried), \(bind: skippedAccounts.joined(separator: " ")), \(bind: currency.code), \(bind: now))
                ON CONFLICT DO NOTHING RETURNING partner_id
                """).all()
            guard !inserted.isEmpty else { return nil }
            try await PeriodEndPosting.book(settlement.payout, partner: partner, rule: Self.rule, day: CommissionLineRow.day(of: period.end - 1),
                                            key: "revshare:\(partner):\(period.key)", currency: currency, at: now, on: sql)
            try await AuditLog.append(audit.entry("commissions.revenue_share", entityType: "partner", entityID: partner,
                                                  after: #"{"period":"\#(period.key)","net":\#(totalNet),"carry_in":\#(carryIn),"payout":\#(settlement.payout),"carry_out":\#(settlement.carryOut)}"#),
                                      at: now, on: sql, dialect: dialect)
            return Result(partner: partner, periodKey: period.key, net: totalNet, carryIn: carryIn, payout: settlement.payout, carryOut: settlement.carryOut,
                          skipped: skippedAccounts)
        }
    }

    struct Account: Hashable {
        let server: ServerID
        let login: Int64
        let currency: String

        var key: TradingAccountKey { TradingAccountKey(server: server, login: TradingLogin(UInt64(bitPattern: login))) }
    }

    /// The trading accounts attributed to the partner (directly, or through their
    /// client), less those excluded from partner payouts.
    func accounts(of partner: PartnerID, at time: Int64) async throws -> [Account] {
        let attributed = try await attributions.attributions(of: partner, at: time).filter { !$0.excluded }
        let excluded = Set(try await attributions.attributions(at: time).filter { $0.excluded && $0.subject == .account }.map(\.subjectID))
        return try await db.read { sql in
            var accounts: Set<Account> = []
            for attribution in attributed {
                switch attribution.subject {
                case .account:
                    guard let key = TradingAccountKey(attribution.subjectID) else { continue }
                    let login = Int64(bitPattern: key.login.value)
                    let currency = try await TradingAccountStore.currency(account: key, on: sql)
                    accounts.insert(Account(server: key.server, login: login, currency: currency))
                case .client:
                    for live in try await TradingAccountStore.liveAccounts(of: attribution.subjectID, on: sql) {
                        let account = Account(server: live.serverID, login: live.login, currency: live.currency)
                        if !excluded.contains(account.key.description) { accounts.insert(account) }
                    }
                }
            }
            return accounts.sorted { ($0.server, $0.login) < ($1.server, $1.login) }
        }
    }

    /// The broker's net revenue from one account in the period, in accrual units of
    /// `currency`: what the client lost on closed trades plus the commissions, swaps
    /// and fees paid, less the bonuses given, converted from the account's currency
    /// at the rate recorded for the period's end (cents of a cent account are
    /// hundredths of a dollar), plus the spread its closed lots earned at the plan's
    /// `spread_per_lot`; nil when no rate converts the account's currency.
    func revenue(of account: Account, in period: PayoutPeriod, currency: Currency, terms: CommissionPlan.RevenueSharePlan) async throws -> Int64? {
        let conversion: (numerator: Int64, denominator: Int64)
        switch account.currency {
        case currency.code, "": conversion = (1, 1)
        case Currency.usc.code where currency == .usd: conversion = (1, 100)
        default:
            guard let from = Currency(code: account.currency), let recorded = try await rates.rate(from, currency, at: period.end - 1) else { return nil }
            conversion = (recorded.rate.scaledRate, Power10.of(ExchangeRate.scale))
        }
        let (client, bonuses, volumes) = try await db.read { sql in
            let trades = try await DealHistory.tradeTotals(account: account.key, from: period.start, to: period.end,
                                                           byVolume: terms.spreadPerLot != nil, on: sql)
            // Bonuses are stored in minor units of the account's currency.
            let bonuses = try await BalanceOperationStore.bonuses(account: account.key, from: period.start, to: period.end, on: sql)
            return (trades.result, bonuses, trades.volumes)
        }
        let exponent = Currency(code: account.currency)?.exponent ?? currency.exponent
        let inAccountCurrency = Int128(-client) - Int128(bonuses) * Int128(Power10.of(Accrual.scale - exponent))
        let converted = Rounding.divide(inAccountCurrency * Int128(conversion.numerator), by: Int128(conversion.denominator), rule: .halfEven).quotient
        let instruments = terms.spreadPerLot == nil ? InstrumentCatalog.Groups() : try await catalog.groups(at: period.end - 1)
        let spread = volumes.reduce(Int64(0)) { $0 + terms.spread(symbol: $1.0, group: instruments.group(of: $1.0), volume: $1.1) }
        return Int64(clamping: converted) + spread
    }
}
