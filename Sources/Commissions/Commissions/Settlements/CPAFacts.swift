import BrokerCore
import CommissionsCore
import Money
import SQLKit
import Platform

extension CPASettlement {
    static let microsPerDay: Int64 = 86_400_000_000

    /// What the client did from registering to the end of the CPA window, as events
    /// for `CPARule` and as totals for people to read. Deposits and amounts are in
    /// minor units of the plan currency; a deposit in another currency is converted
    /// at the rate recorded for its time (cents of a cent account are hundredths of a
    /// dollar), or named in `skipped` when there is none.
    func facts(of client: String, cpa: CommissionPlan.CPAPlan, rule: CPARule, currency: Currency) async throws -> Facts {
        let registeredAt = try await db.read { sql in
            try await sql.raw("SELECT created_at FROM users WHERE id = \(bind: client)").first()?.decode(column: "created_at", as: Int64.self)
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
        let instruments = try await catalog.settings()
        for deal in try await closedDeals(of: client, from: registeredAt, to: deadline) {
            let collected = cpa.spread(symbol: deal.symbol, group: InstrumentCatalog.group(of: deal.symbol, in: instruments), volume: deal.volume)
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
            if let row = try await sql.raw("""
                SELECT t.occurred_at AS at, p.amount AS amount, a.currency AS currency FROM ledger_accounts a
                JOIN ledger_postings p ON p.account_id = a.id JOIN ledger_transactions t ON t.seq = p.tx_seq
                WHERE a.kind = 'client_wallet' AND a.owner = \(bind: client) AND t.kind = 'deposit' AND p.amount > 0
                ORDER BY t.occurred_at LIMIT 1
                """).first() {
                seen.append(DepositSeen(source: "wallet", at: try row.decode(column: "at", as: Int64.self), amount: try row.decode(column: "amount", as: Int64.self),
                                        currency: try row.decode(column: "currency", as: String.self)))
            }
            if let row = try await sql.raw("""
                SELECT occurred_at, amount, currency FROM client_events WHERE user_id = \(bind: client) AND kind = 'deposit' ORDER BY occurred_at LIMIT 1
                """).first() {
                seen.append(DepositSeen(source: "reported", at: try row.decode(column: "occurred_at", as: Int64.self),
                                        amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self)))
            }
            for account in try await Self.liveAccounts(of: client, on: sql) {
                guard let row = try await sql.raw("""
                    SELECT d.time_us, d.profit FROM trade_deals d
                    WHERE d.server_id = \(bind: account.server) AND d.login = \(bind: account.login) AND d.action = \(bind: Int(DealAction.balance.rawValue))
                        AND d.profit > 0 AND NOT EXISTS (SELECT 1 FROM balance_operations b
                            WHERE b.server_id = d.server_id AND b.login = d.login AND b.deal_ticket = d.ticket)
                    ORDER BY d.time_us LIMIT 1
                    """).first(), let currency = Currency(code: account.currency) else { continue }
                // Deal amounts are 10^-8 of the account currency.
                let minor = Rounding.divide(try row.decode(column: "profit", as: Int64.self), by: Power10.of(8 - currency.exponent), rule: .down).quotient
                seen.append(DepositSeen(source: "trade server", at: try row.decode(column: "time_us", as: Int64.self), amount: minor, currency: currency.code))
            }
            return seen
        }
    }

    /// When KYC was first approved (as reported), and the client's latest reported country.
    func identity(of client: String) async throws -> (kycAt: Int64?, country: String) {
        try await db.read { sql in
            let kyc = try await sql.raw("""
                SELECT occurred_at FROM client_events WHERE user_id = \(bind: client) AND kind = 'kyc_approved' ORDER BY occurred_at LIMIT 1
                """).first()?.decode(column: "occurred_at", as: Int64.self)
            let country = try await sql.raw("""
                SELECT country FROM client_events WHERE user_id = \(bind: client) AND country <> '' ORDER BY occurred_at DESC LIMIT 1
                """).first()?.decode(column: "country", as: String.self) ?? ""
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
            let excluded = Set(try await sql.raw("""
                SELECT subject_id FROM attributions WHERE subject_type = 'account' AND excluded = 1 AND valid_from <= \(bind: end) AND valid_to > \(bind: start)
                """).all().map { try $0.decode(column: "subject_id", as: String.self) })
            for account in try await Self.liveAccounts(of: client, on: sql) where !excluded.contains("\(account.server):\(account.login)") {
                for row in try await sql.raw("""
                    SELECT time_us, symbol, volume FROM trade_deals
                    WHERE server_id = \(bind: account.server) AND login = \(bind: account.login) AND time_us >= \(bind: start) AND time_us <= \(bind: end)
                        AND action IN (\(bind: Int(DealAction.buy.rawValue)), \(bind: Int(DealAction.sell.rawValue))) AND entry <> \(bind: Int(DealEntry.entryIn.rawValue))
                    ORDER BY time_us
                    """).all() {
                    deals.append(ClosedDeal(at: try row.decode(column: "time_us", as: Int64.self), symbol: try row.decode(column: "symbol", as: String.self),
                                            volume: try row.decode(column: "volume", as: Int64.self)))
                }
            }
            return deals
        }
    }

    struct LiveAccount {
        let server: String
        let login: Int64
        let currency: String
    }

    static func liveAccounts(of client: String, on sql: any SQLDatabase) async throws -> [LiveAccount] {
        try await sql.raw("""
            SELECT a.server_id, a.login, a.currency FROM trading_accounts a JOIN trade_servers s ON s.id = a.server_id
            WHERE a.user_id = \(bind: client) AND s.environment = 'live' ORDER BY a.server_id, a.login
            """).all().map {
            LiveAccount(server: try $0.decode(column: "server_id", as: String.self), login: try $0.decode(column: "login", as: Int64.self),
                        currency: try $0.decode(column: "currency", as: String.self))
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
