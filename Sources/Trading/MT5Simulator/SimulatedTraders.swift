import BrokerCore
import Money

/// Traders on the simulated server's funded accounts: each step one of them opens
/// a position or closes one, producing the IN and OUT deals (with commission and
/// swap) that a real server would. Driven by the seeded generator, so the same seed
/// and the same calls give the same deals.
extension TradeServerBook {
    /// Moves prices one tick and makes `count` trade deals; returns how many it made
    /// (fewer when no account has money to trade).
    @discardableResult
    func trade(count: Int) -> Int {
        let clock = nowMicros
        return state.withLock { state in
            state.market.tick()
            let traders = state.accounts.values
                .filter { $0.rights & Self.rightsTradeDisabled == 0 && $0.rights & Self.rightsEnabled != 0 && $0.balance > 0 }
                .map(\.login).sorted()
            guard !traders.isEmpty else { return 0 }
            var made = 0
            for _ in 0..<count {
                let login = traders[Int.random(in: 0..<traders.count, using: &state.random)]
                guard var account = state.accounts[login], let group = state.groups[account.group.lowercased()] else { continue }
                let now = Self.monotonic(clock, state)
                let closing = !account.positions.isEmpty && (account.positions.count >= 5 || Bool.random(using: &state.random))
                if closing {
                    let which = Int.random(in: 0..<account.positions.count, using: &state.random)
                    let position = account.positions.remove(at: which)
                    let symbol = state.market.symbols[position.symbol]
                    let close = position.buy ? state.market.bid(position.symbol) : state.market.ask(position.symbol)
                    let profit = Self.profit(position, closePoints: close, group: group, market: state.market)
                    let commission = -Self.commission(position.volume, group)
                    // Swap for positions that (in simulated time) were held overnight.
                    let swapPerLot = -Int64.random(in: 1...120, using: &state.random) * Power10.of(8 - group.currencyDigits)
                    let swap: Int64 = group.swapFree || Int.random(in: 0..<10, using: &state.random) > 0
                        ? 0 : Self.perLot(swapPerLot, volume: position.volume, group)
                    account.balance += profit + commission + swap
                    state.accounts[login] = account
                    Self.record(TradeDeal(ticket: state.nextTicket, login: TradingLogin(login), order: state.nextOrder, positionID: position.id,
                                          action: position.buy ? .sell : .buy, entry: .entryOut, symbol: symbol.name, time: now,
                                          price: Price(points: close, digits: symbol.digits), volume: Volume(units: position.volume),
                                          contractSize: symbol.contractSize, profit: PlatformAmount(units: profit),
                                          commission: PlatformAmount(units: commission), swap: PlatformAmount(units: swap),
                                          marketSpreadPoints: state.market.spread(position.symbol)), in: &state)
                } else {
                    let index = Int.random(in: 0..<state.market.symbols.count, using: &state.random)
                    let symbol = state.market.symbols[index]
                    let buy = Bool.random(using: &state.random)
                    // 0.01 to 2.00 lots; cent accounts trade ten times more.
                    let lots = Int64.random(in: 1...200, using: &state.random) * (group.unitsPerUSD == 100 ? 10 : 1)
                    let price = buy ? state.market.ask(index) : state.market.bid(index)
                    // Like a careful trader, never commit more than half the free margin: the size shrinks to fit,
                    // and an account that cannot afford 0.01 lots does not open.
                    let free = Self.money(account, group, state.market).freeMargin / 2
                    let wanted = Position(id: state.nextOrder, symbol: index, buy: buy, volume: lots * 1_000_000, openPoints: price, openedAt: now)
                    let margin = Self.requiredMargin(wanted, group: group, leverage: account.leverage, market: state.market)
                    let affordable = margin <= free ? lots : (margin > 0 && free > 0 ? Int64(Int128(lots) * Int128(free) / Int128(margin)) : 0)
                    guard affordable >= 1 else { continue }
                    let volume = affordable * 1_000_000
                    let commission = -Self.commission(volume, group)
                    let position = Position(id: state.nextOrder, symbol: index, buy: buy, volume: volume, openPoints: price, openedAt: now)
                    account.positions.append(position)
                    account.balance += commission
                    state.accounts[login] = account
                    Self.record(TradeDeal(ticket: state.nextTicket, login: TradingLogin(login), order: state.nextOrder, positionID: position.id,
                                          action: buy ? .buy : .sell, entry: .entryIn, symbol: symbol.name, time: now,
                                          price: Price(points: price, digits: symbol.digits), volume: Volume(units: volume),
                                          contractSize: symbol.contractSize, commission: PlatformAmount(units: commission),
                                          marketSpreadPoints: state.market.spread(index)), in: &state)
                }
                state.nextOrder += 1
                made += 1
            }
            return made
        }
    }

    static func commission(_ volume: Int64, _ group: SimulatedGroup) -> Int64 {
        perLot(group.commissionPerLotPerSide, volume: volume, group)
    }

    /// A per-lot amount times the volume, rounded half-even to the currency's digits.
    static func perLot(_ amount: Int64, volume: Int64, _ group: SimulatedGroup) -> Int64 {
        let step = Power10.of(8 - group.currencyDigits)
        let rounded = Rounding.divide(Int128(volume) * Int128(amount), by: Int128(100_000_000) * Int128(step)).quotient
        return Int64(clamping: rounded) * step
    }
}
