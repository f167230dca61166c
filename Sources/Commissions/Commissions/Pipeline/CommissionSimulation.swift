import BrokerCore
import CommissionsCore
import Money
import SQLKit
import Platform
import Partners
import Trading

/// What a proposed plan would have paid over past deals, partner by partner, next
/// to what the plans in force paid for the same deals; nothing is posted. Every
/// deal is computed with the tree, attributions and plan versions of its own time,
/// the proposal standing in for the plan with its id (and, for `partner`, for that
/// partner's plan).
public struct CommissionSimulation: Sendable {
    public struct Row: Sendable, Equatable {
        public let partner: PartnerID
        /// Accrual units (10^-8) of the report's currency.
        public let current: Int64
        public let proposed: Int64
        /// What the pipeline actually stored for these deals (their current versions,
        /// reversals netted): differs from `current` when something was corrected back
        /// in time and not recalculated yet.
        public var paid: Int64 = 0
        public var difference: Int64 { proposed - current }

        public init(partner: PartnerID, current: Int64, proposed: Int64, paid: Int64 = 0) {
            self.partner = partner
            self.current = current
            self.proposed = proposed
            self.paid = paid
        }
    }

    public struct Report: Sendable, Equatable {
        public let currency: Currency
        public let deals: Int
        /// Lines the plans in force give for these deals.
        public let currentLines: Int
        public let rows: [Row]
        /// Symbols whose profit currency had no recorded rate; their point-based amounts count as zero.
        public let missingRates: [String]
    }

    let db: Database
    let source: BookSource
    var builder: BookBuilder { source.builder }

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        source = BookSource(db: db, clock: clock)
    }

    public func run(proposed: CommissionPlan, from: Int64, to: Int64, partner: PartnerID? = nil) async throws -> Report {
        try proposed.validate()
        guard let currency = Currency(code: proposed.currency) else { throw PlanValidationError(path: "currency", message: "unknown currency") }
        if let partner, try await builder.partners.partner(partner) == nil { throw PartnerError.unknownPartner(partner) }
        let bookAccounts = try await source.accounts()
        let accountIndex = Dictionary(uniqueKeysWithValues: bookAccounts.enumerated().map { ($1.key, Int32($0)) })
        let changePoints = try await source.changePoints()
        var current: [String: Int64] = [:], proposal: [String: Int64] = [:]
        var dealCount = 0
        var currentLines = 0
        var missing: Set<String> = []
        let storedBonus = try await source.usesBonusCoefficient()
        let bonus = proposed.filters.bonusCoefficient || storedBonus
        let tracker = AccountMoneyTracker(db: db)
        var cache: [Int: (current: CommissionEngine, proposed: CommissionEngine, symbols: [String: Int32])] = [:]
        var after: (time: Int64, server: ServerID, ticket: Int64)? = nil
        var stored: [String: Int64] = [:]
        let history = DealHistory(db: db)
        while true {
            let feedPage = try await history.deals(from: from, to: to, after: after)
            guard let last = feedPage.last else { break }
            after = (last.deal.time, last.serverID, Int64(bitPattern: last.deal.ticket))
            for (partner, amount) in try await paid(feedPositions: feedPage.map(\.seq), currency: currency) { stored[partner, default: 0] += amount }
            let page = feedPage.map { (server: $0.serverID, deal: $0.deal) }
            let openings = try await source.openings(of: page)
            let money = bonus ? try await tracker.money(before: page.filter { $0.deal.action.isTrade }, stored: []) : [:]
            for (server, deal) in page.map({ ($0.server, $0.deal) }) {
                guard deal.action.isTrade, let account = accountIndex[TradingAccountKey(server: server, login: deal.login).description] else { continue }
                let interval = Self.interval(of: deal.time, in: changePoints)
                if cache[interval] == nil {
                    let moment = deal.time
                    let instruments = try await source.instruments(at: moment, currency: currency, missing: &missing)
                    let base = try await builder.book(at: moment, currency: currency, instruments: instruments.list, accounts: bookAccounts)
                    let alternative = try Self.substitute(proposed, into: base, for: partner)
                    cache[interval] = (CommissionEngine(book: base), CommissionEngine(book: alternative), instruments.index)
                }
                guard let engines = cache[interval], let symbol = engines.symbols[deal.symbol] else { continue }
                let opening = openings[PositionKey(server: server, position: deal.positionID)]
                var input = EngineDeal(ticket: deal.ticket, account: account, symbol: symbol, action: deal.action, entry: deal.entry, time: deal.time,
                                       volume: deal.volume.units, contractSize: deal.contractSize, pricePoints: deal.price.points,
                                       openPricePoints: opening?.pricePoints ?? 0, openedAt: opening?.time ?? 0, commission: deal.commission.units,
                                       spreadPoints: deal.marketSpreadPoints)
                if let standing = money[AccountMoneyTracker.MoneyKey(server: server, login: Int64(bitPattern: deal.login.value), time: deal.time)] {
                    input.equity = standing.equity
                    input.credit = standing.credit
                }
                var lines: [CommissionLine] = []
                engines.current.compute([input], into: &lines)
                currentLines += lines.count
                for line in lines { current[engines.current.book.partners[Int(line.beneficiary)].id, default: 0] += line.amount }
                lines.removeAll()
                engines.proposed.compute([input], into: &lines)
                for line in lines { proposal[engines.proposed.book.partners[Int(line.beneficiary)].id, default: 0] += line.amount }
                dealCount += 1
            }
        }
        // Rates matter only to point-based rules.
        let usesPoints = try await ([proposed] + builder.plans.latest().map(\.plan)).contains { $0.rules.contains { $0.kind == .perLot && $0.unit == .points } }
        if !usesPoints { missing = [] }
        let partners = Set(current.keys).union(proposal.keys).union(stored.keys).filter { partner == nil || $0 == partner?.rawValue }.sorted()
        return Report(currency: currency, deals: dealCount, currentLines: currentLines,
                      rows: partners.map { Row(partner: PartnerID($0), current: current[$0] ?? 0, proposed: proposal[$0] ?? 0, paid: stored[$0] ?? 0) },
                      missingRates: missing.sorted())
    }

    /// The stored lines of deals (their current versions' feed positions), by partner:
    /// each deal's current version's own lines, which is what its versions and
    /// reversals net to.
    func paid(feedPositions: [Int64], currency: Currency) async throws -> [String: Int64] {
        guard !feedPositions.isEmpty else { return [:] }
        return try await db.read { sql in
            var result: [String: Int64] = [:]
            for row in try await sql.raw("""
                SELECT p.name AS partner_id, CAST(SUM(l.amount) AS BIGINT) AS paid FROM commission_lines l JOIN commission_names p ON p.number = l.partner
                WHERE l.feed_seq IN (\(binds: feedPositions)) AND l.reverses = 0 AND l.currency = \(bind: currency.code)
                GROUP BY p.name
                """).all() {
                result[try row.decode(column: "partner_id", as: String.self)] = try row.decode(column: "paid", as: Int64.self)
            }
            return result
        }
    }

    /// The same book with `proposed` in place of the plan with its id, and for `partner`.
    static func substitute(_ proposed: CommissionPlan, into book: CommissionBook, for partner: PartnerID?) throws -> CommissionBook {
        var plans = book.plans
        let index: Int
        if let existing = plans.firstIndex(where: { $0.id == proposed.id }) {
            plans[existing] = proposed
            index = existing
        } else {
            plans.append(proposed)
            index = plans.count - 1
        }
        let partners = book.partners.map { info in info.id == partner?.rawValue ? PartnerInfo(id: info.id, plan: index) : info }
        return try CommissionBook(currency: book.currency, plans: plans, instruments: book.instruments, partners: partners, accounts: book.accounts)
    }

    static func interval(of time: Int64, in points: [Int64]) -> Int {
        var low = 0, high = points.count
        while low < high {
            let mid = (low + high) / 2
            if points[mid] <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
