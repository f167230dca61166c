import BrokerCore
import SQLKit
import Platform
import Trading

/// An account's balance and credit just before a deal, in 10^-8 of its currency:
/// what the bonus coefficient ((equity - credit) / equity) is computed from. Both
/// come from the account's stored deals before the deal's time (trading results,
/// commissions, swaps and fees, and balance operations go to the balance; credit
/// deals to the credit); equity is taken as balance plus credit, without the
/// floating result of other open positions, which the deal history cannot tell.
public struct AccountMoney: Sendable, Equatable {
    public var balance: Int64
    public var credit: Int64

    public init(balance: Int64 = 0, credit: Int64 = 0) {
        self.balance = balance
        self.credit = credit
    }

    public var equity: Int64 { balance + credit }

    mutating func add(action: Int64, amount: Int64) {
        if action == Int64(DealAction.credit.rawValue) { credit += amount } else { balance += amount }
    }
}

/// Balances and credits of accounts before each of their deals, kept from batch to
/// batch so that each batch reads only the account's deals since the last one it
/// saw; an account whose stored history changed behind that point is read again.
/// Used only while some plan applies the bonus coefficient.
public actor AccountMoneyTracker {
    struct State {
        /// Sums cover deals with time before this.
        var before: Int64
        var money: AccountMoney
    }

    let db: Database
    private var states: [TradingAccountKey: State] = [:]

    public init(db: Database) { self.db = db }

    /// The money of each account before each of `deals` (closing or not), keyed by
    /// (server, login, time); `stored` are every deal the batch stored, which tell
    /// when an account's earlier history changed.
    public func money(before deals: [(server: ServerID, deal: TradeDeal)], stored: [(server: ServerID, deal: TradeDeal)]) async throws -> [MoneyKey: AccountMoney] {
        for (server, deal) in stored {
            let key = TradingAccountKey(server: server, login: deal.login)
            if let state = states[key], deal.time < state.before { states[key] = nil }
        }
        var byAccount: [TradingAccountKey: [Int64]] = [:]
        for (server, deal) in deals {
            byAccount[TradingAccountKey(server: server, login: deal.login), default: []].append(deal.time)
        }
        var result: [MoneyKey: AccountMoney] = [:]
        for (key, times) in byAccount {
            let times = times.sorted()
            guard let first = times.first, let last = times.last else { continue }
            var state: State
            if let known = states[key], known.before <= first {
                state = known
            } else {
                state = State(before: first, money: try await Self.total(account: key, before: first, on: db))
            }
            let movements = try await Self.movements(account: key, from: state.before, to: last, on: db)
            var next = movements.startIndex
            for time in times {
                while next < movements.endIndex, movements[next].time < time {
                    state.money.add(action: movements[next].action, amount: movements[next].amount)
                    next += 1
                }
                result[MoneyKey(server: key.server, login: key.storedLogin, time: time)] = state.money
            }
            state.before = last
            states[key] = state
        }
        return result
    }

    public struct MoneyKey: Hashable, Sendable {
        public let server: ServerID
        public let login: Int64
        public let time: Int64

        public init(server: ServerID, login: Int64, time: Int64) {
            self.server = server
            self.login = login
            self.time = time
        }
    }

    /// The money before `time` from the whole stored history (what explanations use).
    public static func total(account: TradingAccountKey, before time: Int64, on db: Database) async throws -> AccountMoney {
        let totals = try await DealHistory(db: db).totals(account: account, before: time)
        return AccountMoney(balance: totals.balance, credit: totals.credit)
    }

    static func movements(account: TradingAccountKey, from: Int64, to: Int64, on db: Database) async throws -> [(time: Int64, action: Int64, amount: Int64)] {
        try await DealHistory(db: db).movements(account: account, from: from, to: to)
    }
}
