import Foundation
import BrokerCore
import CommissionsCore
import Money
import SQLKit
import Platform
import Partners
import Trading
import Ledger

/// Books for deals, one per span of time in which nothing that decides
/// commissions changed (tree, plan versions, assignments, attributions), built
/// once per span and kept while the set of change points stays the same.
public actor BookCache {
    nonisolated let source: BookSource
    let currency: Currency
    private var points: [Int64] = []
    private var generation: [Int64] = []
    private var books: [Int: BookContext] = [:]
    private var numbers: [Int: LineNumbers] = [:]
    private let names: CommissionNames

    public init(source: BookSource, currency: Currency) {
        self.source = source
        self.currency = currency
        names = CommissionNames(db: source.db)
    }

    /// Drops every book when a change point was added, or any input row, since they were built.
    public func refresh() async throws {
        let current = try await source.changePoints()
        let inputs = try await source.generation()
        if current != points || inputs != generation {
            points = current
            generation = inputs
            books = [:]
            numbers = [:]
            usesBonusCoefficient = try await source.usesBonusCoefficient()
        }
        rebuiltForMiss = false
    }

    /// Whether any plan version applies the bonus coefficient: then deals need their
    /// account's balance and credit.
    public private(set) var usesBonusCoefficient = false

    /// The brand of each active account (by key) as of the newest book built: the
    /// writer keeps commissions per brand too.
    public private(set) var accountBrands: [String: BrandID] = [:]

    /// The engine for deals at `time`, with its symbol and account indices.
    public func engine(at time: Int64) async throws -> BookContext {
        let interval = CommissionSimulation.interval(of: time, in: points)
        if let cached = books[interval] { return cached }
        var missing: Set<String> = []
        let instruments = try await source.instruments(at: time, currency: currency, missing: &missing)
        let (accounts, brands) = try await source.accountsAndBrands()
        accountBrands = brands
        let book = try await source.builder.book(at: time, currency: currency, instruments: instruments.list, accounts: accounts)
        let accountIndex = Dictionary(uniqueKeysWithValues: accounts.enumerated().map { ($1.key, Int32($0)) })
        let context = BookContext(engine: CommissionEngine(book: book), symbols: instruments.index, accounts: accountIndex)
        books[interval] = context
        return context
    }

    /// The stored numbers of the partners and rules of the book at `time` (what
    /// the pipeline writes into commission lines), giving new names numbers.
    public func lineNumbers(at time: Int64) async throws -> LineNumbers {
        let interval = CommissionSimulation.interval(of: time, in: points)
        if let cached = numbers[interval] { return cached }
        let book = try await engine(at: time).engine.book
        let partnerIDs = book.partners.map(\.id)
        let partnerNumbers = try await names.numbers(.partner, of: partnerIDs)
        let ruleNumbers = try await names.numbers(.rule, of: book.ruleIDs)
        func number(_ name: String, in numbers: [String: Int64]) throws -> Int64 {
            guard let number = numbers[name] else { throw StorageError.notFound("commission name number for \(name)") }
            return number
        }
        let result = LineNumbers(partners: try partnerIDs.map { try number($0, in: partnerNumbers) },
                                 rules: try book.ruleIDs.map { try number($0, in: ruleNumbers) },
                                 partnerIDs: Dictionary(partnerNumbers.map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
        numbers[interval] = result
        return result
    }

    /// The span of time `time` falls in: books are the same within it.
    public func span(of time: Int64) -> Range<Int64> {
        let interval = CommissionSimulation.interval(of: time, in: points)
        let lower = interval == 0 ? Int64.min : points[interval - 1]
        let upper = interval < points.count ? points[interval] : Int64.max
        return lower..<upper
    }

    /// Whether books were built since the last invalidation by a missing symbol or
    /// account (so a second miss in a row does not rebuild again).
    public var isFresh: Bool { !rebuiltForMiss }
    private var rebuiltForMiss = false

    /// Forgets the books (new symbols or accounts appeared).
    public func invalidate() {
        books = [:]
        numbers = [:]
        rebuiltForMiss = true
    }
}

/// A book's engine with the indices that map a deal's symbol and account ("server:login") to it.
public struct BookContext: Sendable {
    public let engine: CommissionEngine
    public let symbols: [String: Int32]
    public let accounts: [String: Int32]
}

extension BookContext {
    /// The engine's input for a stored deal (`ticket` is what its lines will carry),
    /// or nil when the book knows its account or its symbol not.
    public func input(for deal: TradeDeal, server: ServerID, opening: PositionOpening?, money: AccountMoney? = nil, ticket: UInt64) -> EngineDeal? {
        guard let symbol = symbols[deal.symbol], let account = accounts[TradingAccountKey(server: server, login: deal.login).description] else { return nil }
        return EngineDeal(ticket: ticket, account: account, symbol: symbol, action: deal.action, entry: deal.entry, time: deal.time,
                          volume: deal.volume.units, contractSize: deal.contractSize, pricePoints: deal.price.points,
                          openPricePoints: opening?.pricePoints ?? 0, openedAt: opening?.time ?? 0, commission: deal.commission.units,
                          equity: money?.equity ?? 0, credit: money?.credit ?? 0, spreadPoints: deal.marketSpreadPoints)
    }
}

/// `commission_names` numbers aligned with a book's partners and rules.
public struct LineNumbers: Sendable {
    public let partners: [Int64]
    public let rules: [Int64]
    public let partnerIDs: [Int64: String]
}

/// Where books' inputs come from: the partner stores, trading accounts, traded
/// symbols and recorded exchange rates.
public struct BookSource: Sendable {
    public let db: Database
    public let builder: BookBuilder
    let rates: ExchangeRateStore
    let reader: DealReader
    public let catalog: InstrumentCatalog

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        reader = DealReader(db: db)
        builder = BookBuilder(db: db, clock: clock)
        rates = ExchangeRateStore(db: db, clock: clock)
        catalog = InstrumentCatalog(db: db, clock: clock)
    }

    /// Open time and price of the positions that closing deals close (from the
    /// positions' opening deals, synced earlier).
    public func openings(of deals: [(server: ServerID, deal: TradeDeal)]) async throws -> [PositionKey: PositionOpening] {
        try await reader.openings(for: deals)
    }

    /// Every moment at which the tree, a plan, an assignment or an attribution changed.
    public func changePoints() async throws -> [Int64] {
        Array(Set(try await builder.changePoints() + (try await catalog.changePoints()))).sorted()
    }

    /// How many rows the book's inputs have (the network's and the instrument catalog's):
    /// a change at a moment that was a change point already adds no point, but changes this.
    public func generation() async throws -> [Int64] {
        // One read for both, as the pipeline asks before every batch.
        try await db.read { sql in try await BookBuilder.generation(on: sql) + InstrumentCatalog.generation(on: sql) }
    }

    /// Whether any stored plan version applies the bonus coefficient.
    public func usesBonusCoefficient() async throws -> Bool {
        try await builder.usesBonusCoefficient()
    }

    /// Trading accounts Pipstack opened, plus accounts attributed on their own.
    public func accounts() async throws -> [BookAccount] {
        try await accountsAndBrands().accounts
    }

    /// The books' accounts, and the brand each active account was opened under (by account key).
    public func accountsAndBrands() async throws -> (accounts: [BookAccount], brands: [String: BrandID]) {
        try await db.read { sql in
            var result: [String: BookAccount] = [:]
            var brands: [String: BrandID] = [:]
            for account in try await TradingAccountStore.active(on: sql) {
                let key = TradingAccountKey(server: account.serverID, login: account.login).description
                result[key] = BookAccount(key: key, clientID: account.userID, accountType: account.accountTypeID)
                if let brand = account.brandID { brands[key] = brand }
            }
            for key in try await AttributionStore.attributedAccounts(on: sql) where result[key] == nil {
                result[key] = BookAccount(key: key, clientID: "")
            }
            return (result.values.sorted { $0.key < $1.key }, brands)
        }
    }

    /// The symbols traded so far with their groups, digits and profit-currency rates at `time`.
    public func instruments(at time: Int64, currency: Currency, missing: inout Set<String>) async throws -> (list: [InstrumentInfo], index: [String: Int32]) {
        let symbols = try await db.read { sql in
            try await DealHistory.tradedSymbols(on: sql).map { ($0.symbol, $0.digits) }
        }
        let groups = try await catalog.groups(at: time)
        var list: [InstrumentInfo] = []
        for (symbol, digits) in symbols {
            var rate = ConversionRate.one
            let profit = groups.profitCurrency(of: symbol)
            if profit != currency.code {
                if let base = Currency(code: profit), let recorded = try await rates.rate(base, currency, at: time) {
                    rate = ConversionRate(numerator: recorded.rate.scaledRate, denominator: Power10.of(ExchangeRate.scale))
                } else {
                    rate = ConversionRate(numerator: 0, denominator: 1)
                    missing.insert(symbol)
                }
            }
            list.append(InstrumentInfo(symbol: symbol, group: groups.group(of: symbol), digits: min(8, max(0, digits)), toPayout: rate))
        }
        return (list, Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1.symbol, Int32($0)) }))
    }
}
