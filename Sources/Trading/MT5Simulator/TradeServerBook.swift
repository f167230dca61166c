import BrokerCore
import Foundation
import Money
import Synchronization

/// A request the simulated server refuses, with MT5's retcode.
struct SimulatorRefusal: Error, Equatable {
    let code: Int
    let text: String

    static func invalid(_ text: String) -> SimulatorRefusal { .init(code: 3, text: "Invalid parameters: \(text)") }
    static let notFound = SimulatorRefusal(code: 13, text: "Not found")
    static let accountExists = SimulatorRefusal(code: 3004, text: "Account already exists")
    static let noMoney = SimulatorRefusal(code: 10019, text: "No money")
    static let loginRangeExhausted = SimulatorRefusal(code: 3002, text: "Login range exhausted")
    /// MT_RET_USR_INVALID_PASSWORD: what a real server answers to a password its policy refuses.
    static let invalidPassword = SimulatorRefusal(code: 3006, text: "Invalid account password")
}

/// What the simulated trade server holds: groups, accounts, positions and the
/// deal history, and every change to them. All state sits behind one lock; every
/// call is short.
final class TradeServerBook: Sendable {
    struct Account: Sendable {
        var login: UInt64
        var group: String
        var name: String
        var email: String
        var country: String
        var leverage: Int
        var rights: UInt64
        var comment: String
        var mainPassword: String
        var investorPassword: String
        var registration: Int64
        /// 10^-8 of the group currency.
        var balance: Int64
        var credit: Int64
        var positions: [Position]
    }

    struct Position: Sendable {
        var id: UInt64
        var symbol: Int
        var buy: Bool
        var volume: Int64
        var openPoints: Int64
        var openedAt: Int64
    }

    struct State: Sendable {
        var market: SimulatedMarket
        var groups: [String: SimulatedGroup]
        var accounts: [UInt64: Account] = [:]
        var deals: [TradeDeal] = []
        var dealIndexByLogin: [UInt64: [Int]] = [:]
        /// Deals a dealer deleted: gone from every answer (MT5's deal/delete; balances are not recomputed).
        var deleted: Set<UInt64> = []
        var nextLogin: UInt64
        var nextTicket: UInt64
        var nextOrder: UInt64
        var random: SeededRandom
    }

    static let rightsEnabled: UInt64 = 0x1
    static let rightsPassword: UInt64 = 0x2
    static let rightsTradeDisabled: UInt64 = 0x4
    static let maxLogin: UInt64 = 99_999_999

    let state: Mutex<State>
    let clockSkewMicros: Int64

    init(seed: UInt64, clockSkewSeconds: Int64 = 0, firstTicket: UInt64? = nil) {
        let ticket = firstTicket ?? 1_000_000 + seed % 1_000 * 1_000
        state = Mutex(State(market: SimulatedMarket(seed: seed),
                            groups: Dictionary(uniqueKeysWithValues: SimulatedGroup.defaults.map { ($0.name.lowercased(), $0) }),
                            nextLogin: 5_000_000, nextTicket: ticket, nextOrder: ticket * 2,
                            random: SeededRandom(seed: seed)))
        clockSkewMicros = clockSkewSeconds * 1_000_000
    }

    /// The server's clock: the host's, shifted by the configured skew.
    var nowMicros: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) + clockSkewMicros }

    // MARK: Users

    struct NewUser {
        var login: UInt64
        var group: String
        var name: String
        var email: String
        var country: String
        var leverage: Int
        var mainPassword: String
        var investorPassword: String
        var comment: String
    }

    func addUser(_ user: NewUser) throws(SimulatorRefusal) -> Account {
        let now = nowMicros
        return try state.withLock { (state: inout State) throws(SimulatorRefusal) -> Account in
            guard let group = state.groups[user.group.lowercased()] else { throw .invalid("group \(user.group) does not exist") }
            guard (1...group.maxLeverage).contains(user.leverage) else { throw .invalid("leverage 1:\(user.leverage) above the group's 1:\(group.maxLeverage)") }
            guard !user.name.isEmpty, user.name.count <= 128 else { throw .invalid("name") }
            guard Self.isStrong(user.mainPassword), Self.isStrong(user.investorPassword) else { throw .invalidPassword }
            var login = user.login
            if login == 0 {
                while state.accounts[state.nextLogin] != nil { state.nextLogin += 1 }
                guard state.nextLogin <= Self.maxLogin else { throw .loginRangeExhausted }
                login = state.nextLogin
                state.nextLogin += 1
            } else if state.accounts[login] != nil {
                throw .accountExists
            }
            let account = Account(login: login, group: group.name, name: user.name, email: user.email, country: user.country,
                                  leverage: user.leverage, rights: Self.rightsEnabled | Self.rightsPassword, comment: String(user.comment.prefix(32)),
                                  mainPassword: user.mainPassword, investorPassword: user.investorPassword,
                                  registration: now / 1_000_000, balance: 0, credit: 0, positions: [])
            state.accounts[login] = account
            return account
        }
    }

    static func isStrong(_ password: String) -> Bool {
        (8...16).contains(password.count) && password.contains(where: \.isLowercase) && password.contains(where: \.isUppercase)
            && password.contains(where: \.isNumber) && password.contains(where: { !$0.isLetter && !$0.isNumber })
    }

    func user(_ login: UInt64) throws(SimulatorRefusal) -> (Account, SimulatedGroup) {
        try state.withLock { (state: inout State) throws(SimulatorRefusal) -> (Account, SimulatedGroup) in
            guard let account = state.accounts[login], let group = state.groups[account.group.lowercased()] else { throw .notFound }
            return (account, group)
        }
    }

    func updateUser(_ login: UInt64, group: String?, leverage: Int?, rights: UInt64?) throws(SimulatorRefusal) -> Account {
        try state.withLock { (state: inout State) throws(SimulatorRefusal) -> Account in
            guard var account = state.accounts[login] else { throw .notFound }
            if let name = group {
                guard let newGroup = state.groups[name.lowercased()] else { throw .invalid("group \(name) does not exist") }
                guard let oldGroup = state.groups[account.group.lowercased()], oldGroup.currency == newGroup.currency else {
                    throw .invalid("group \(name) has another currency")
                }
                account.group = newGroup.name
            }
            if let leverage {
                guard let current = state.groups[account.group.lowercased()], (1...current.maxLeverage).contains(leverage) else {
                    throw .invalid("leverage 1:\(leverage)")
                }
                account.leverage = leverage
            }
            if let rights { account.rights = rights }
            state.accounts[login] = account
            return account
        }
    }

    func changePassword(_ login: UInt64, investor: Bool, password: String) throws(SimulatorRefusal) {
        guard Self.isStrong(password) else { throw .invalidPassword }
        try state.withLock { (state: inout State) throws(SimulatorRefusal) in
            guard state.accounts[login] != nil else { throw .notFound }
            if investor { state.accounts[login]?.investorPassword = password } else { state.accounts[login]?.mainPassword = password }
        }
    }

    /// Balance, credit, equity, margin and free margin at current prices, 10^-8 units.
    struct AccountMoney: Sendable { var balance, credit, equity, margin, freeMargin: Int64 }

    func money(_ login: UInt64) throws(SimulatorRefusal) -> AccountMoney {
        try state.withLock { (state: inout State) throws(SimulatorRefusal) -> AccountMoney in
            guard let account = state.accounts[login], let group = state.groups[account.group.lowercased()] else { throw .notFound }
            return Self.money(account, group, state.market)
        }
    }

    static func money(_ account: Account, _ group: SimulatedGroup, _ market: SimulatedMarket) -> AccountMoney {
        var floating: Int64 = 0
        var margin: Int64 = 0
        for position in account.positions {
            let close = position.buy ? market.bid(position.symbol) : market.ask(position.symbol)
            floating += profit(position, closePoints: close, group: group, market: market)
            margin += requiredMargin(position, group: group, leverage: account.leverage, market: market)
        }
        let equity = account.balance + account.credit + floating
        return AccountMoney(balance: account.balance, credit: account.credit, equity: equity, margin: margin, freeMargin: equity - margin)
    }

    // MARK: Balance operations

    /// A balance operation (type 2 balance, 3 credit, 4 charge, 5 correction, 6 bonus):
    /// one deal, and the account's balance or credit moves by `amount`.
    func balance(login: UInt64, type: Int, amount: Int64, comment: String, checkMargin: Bool) throws(SimulatorRefusal) -> UInt64 {
        guard (2...6).contains(type) else { throw .invalid("type \(type)") }
        guard amount != 0 else { throw .invalid("amount 0") }
        guard comment.count <= 31 else { throw .invalid("comment longer than 31 characters") }
        let clock = nowMicros
        return try state.withLock { (state: inout State) throws(SimulatorRefusal) -> UInt64 in
            let now = Self.monotonic(clock, state)
            guard var account = state.accounts[login], let group = state.groups[account.group.lowercased()] else { throw .notFound }
            let step = Power10.of(8 - group.currencyDigits)
            guard amount % step == 0 else { throw .invalid("amount has more than \(group.currencyDigits) decimals") }
            if type == 3 {
                guard account.credit + amount >= 0 else { throw .noMoney }
                account.credit += amount
            } else {
                if amount < 0 {
                    guard account.balance + amount >= 0 else { throw .noMoney }
                    if checkMargin, Self.money(account, group, state.market).freeMargin + amount < 0 { throw .noMoney }
                }
                account.balance += amount
            }
            state.accounts[login] = account
            let deal = TradeDeal(ticket: state.nextTicket, login: TradingLogin(login), order: 0, positionID: 0,
                                 action: DealAction(rawValue: type) ?? .balance, entry: .entryIn, reason: 0, time: now,
                                 profit: PlatformAmount(units: amount), comment: comment)
            Self.record(deal, in: &state)
            return deal.ticket
        }
    }

    /// Deal times never go backwards, so the history stays in time order.
    static func monotonic(_ now: Int64, _ state: State) -> Int64 { max(now, state.deals.last?.time ?? 0) }

    static func record(_ deal: TradeDeal, in state: inout State) {
        state.dealIndexByLogin[deal.login.value, default: []].append(state.deals.count)
        state.deals.append(deal)
        state.nextTicket += 1
    }

    // MARK: Queries

    /// The logins of every account in a group mask (`user/logins`), ascending.
    func logins(groupMask: String) -> [UInt64] {
        state.withLock { state in state.accounts.values.filter { SimulatedGroup.matches($0.group, mask: groupMask) }.map(\.login).sorted() }
    }

    func deals(logins: [UInt64]?, groupMask: String?, from: Int64, to: Int64) -> [TradeDeal] {
        let fromMicros = from * 1_000_000, toMicros = to * 1_000_000 + 999_999
        return state.withLock { state in
            if let logins {
                return logins.flatMap { state.dealIndexByLogin[$0] ?? [] }.sorted().map { state.deals[$0] }
                    .filter { $0.time >= fromMicros && $0.time <= toMicros && !state.deleted.contains($0.ticket) }
            }
            let mask = groupMask ?? "*"
            let matching = Set(state.accounts.values.filter { SimulatedGroup.matches($0.group, mask: mask) }.map(\.login))
            // Deals are in time order: find the window by binary search, then filter.
            var low = 0, high = state.deals.count
            while low < high {
                let mid = (low + high) / 2
                if state.deals[mid].time < fromMicros { low = mid + 1 } else { high = mid }
            }
            var result: [TradeDeal] = []
            var index = low
            while index < state.deals.count, state.deals[index].time <= toMicros {
                if matching.contains(state.deals[index].login.value), !state.deleted.contains(state.deals[index].ticket) { result.append(state.deals[index]) }
                index += 1
            }
            return result
        }
    }

    func deal(ticket: UInt64) -> TradeDeal? {
        state.withLock { state in
            guard let first = state.deals.first?.ticket, ticket >= first, ticket - first < UInt64(state.deals.count), !state.deleted.contains(ticket) else { return nil }
            return state.deals[Int(ticket - first)]
        }
    }

    var dealCount: Int { state.withLock { $0.deals.count } }

    /// Deletes a deal as a dealer can; false when there is no such deal.
    func deleteDeal(ticket: UInt64) -> Bool {
        guard deal(ticket: ticket) != nil else { return false }
        return state.withLock { $0.deleted.insert(ticket).inserted }
    }

    func positions(logins: [UInt64]) -> [(login: UInt64, position: Position, currentPoints: Int64, profit: Int64, symbol: SimulatedSymbol)] {
        state.withLock { state in
            logins.flatMap { login -> [(login: UInt64, position: Position, currentPoints: Int64, profit: Int64, symbol: SimulatedSymbol)] in
                guard let account = state.accounts[login], let group = state.groups[account.group.lowercased()] else { return [] }
                return account.positions.map { position in
                    let close = position.buy ? state.market.bid(position.symbol) : state.market.ask(position.symbol)
                    return (login, position, close, Self.profit(position, closePoints: close, group: group, market: state.market),
                            state.market.symbols[position.symbol])
                }
            }
        }
    }

    var symbols: [SimulatedSymbol] { state.withLock { $0.market.symbols } }
    var groups: [SimulatedGroup] { state.withLock { $0.groups.values.sorted { $0.name < $1.name } } }

    // MARK: Trade arithmetic (exact)

    /// Profit of closing `position` at `closePoints`, in 10^-8 of the group currency,
    /// rounded half-even to the currency's digits as MT5 books it.
    static func profit(_ position: Position, closePoints: Int64, group: SimulatedGroup, market: SimulatedMarket) -> Int64 {
        let symbol = market.symbols[position.symbol]
        let move = Int128(position.buy ? closePoints - position.openPoints : position.openPoints - closePoints)
        // Quote-currency profit in 10^-8 units: move x volume/1e8 x contract/1e8 x 10^(8 - digits).
        let quote = move * Int128(position.volume) * Int128(symbol.contractSize) * Int128(Power10.of(8 - symbol.digits))
        guard let rate = market.usdRate(of: symbol.profitCurrency) else { return 0 }
        // To USD, then to the group currency; one rounding, to the currency's digits.
        let numerator = quote * Int128(rate.denominator) * Int128(group.unitsPerUSD)
        let denominator = Int128(100_000_000) * Int128(100_000_000) * Int128(rate.numerator) * Int128(Power10.of(8 - group.currencyDigits))
        let rounded = Rounding.divide(numerator, by: denominator).quotient
        return Int64(clamping: rounded) * Power10.of(8 - group.currencyDigits)
    }

    static func requiredMargin(_ position: Position, group: SimulatedGroup, leverage: Int, market: SimulatedMarket) -> Int64 {
        let symbol = market.symbols[position.symbol]
        // Notional in the profit currency, then USD, then the group currency, over leverage.
        // In 10^-8 units of the profit currency; dividing out the lot scale first keeps every product inside Int128.
        let notional = Int128(position.volume) * Int128(symbol.contractSize) * Int128(position.openPoints) * Int128(Power10.of(8 - symbol.digits))
            / Int128(100_000_000)
        guard let rate = market.usdRate(of: symbol.profitCurrency) else { return 0 }
        let numerator = notional * Int128(rate.denominator) * Int128(group.unitsPerUSD)
        let denominator = Int128(100_000_000) * Int128(rate.numerator) * Int128(max(leverage, 1))
        return Int64(clamping: Rounding.divide(numerator, by: denominator).quotient)
    }
}
