import BrokerCore
import Money

/// An instrument the simulated server quotes, with realistic digits, contract
/// sizes and spreads for its class.
struct SimulatedSymbol: Sendable {
    enum AssetClass: String, Sendable { case fxMajor, fxMinor, fxExotic, metal, energy, index, crypto }

    let name: String
    let assetClass: AssetClass
    let digits: Int
    /// Units of the base asset per lot, scaled by 10^8.
    let contractSize: Int64
    let base: String
    let profitCurrency: String
    /// Starting bid in points.
    let start: Int64
    let spreadPoints: Int64
    /// Largest move per tick, in points.
    let stepPoints: Int64

    /// The symbol's place in the server's tree, folder then name, as MT5 reports it (`Energies\\XTIUSD`).
    var path: String { folder + "\\" + name }

    var folder: String {
        switch assetClass {
        case .fxMajor: "Forex\\Majors"
        case .fxMinor: "Forex\\Minors"
        case .fxExotic: "Forex\\Exotics"
        case .metal: "Metals"
        case .energy: "Energies"
        case .index: "Indices"
        case .crypto: "Crypto"
        }
    }

    static let lot: Int64 = 100_000_000

    /// The catalogue: every class a retail broker offers.
    static let catalogue: [SimulatedSymbol] = [
        .init(name: "EURUSD", assetClass: .fxMajor, digits: 5, contractSize: 100_000 * lot, base: "EUR", profitCurrency: "USD", start: 108_450, spreadPoints: 8, stepPoints: 6),
        .init(name: "GBPUSD", assetClass: .fxMajor, digits: 5, contractSize: 100_000 * lot, base: "GBP", profitCurrency: "USD", start: 127_120, spreadPoints: 11, stepPoints: 8),
        .init(name: "USDJPY", assetClass: .fxMajor, digits: 3, contractSize: 100_000 * lot, base: "USD", profitCurrency: "JPY", start: 151_320, spreadPoints: 9, stepPoints: 7),
        .init(name: "USDCHF", assetClass: .fxMajor, digits: 5, contractSize: 100_000 * lot, base: "USD", profitCurrency: "CHF", start: 90_410, spreadPoints: 12, stepPoints: 6),
        .init(name: "AUDUSD", assetClass: .fxMajor, digits: 5, contractSize: 100_000 * lot, base: "AUD", profitCurrency: "USD", start: 65_780, spreadPoints: 9, stepPoints: 5),
        .init(name: "USDCAD", assetClass: .fxMajor, digits: 5, contractSize: 100_000 * lot, base: "USD", profitCurrency: "CAD", start: 136_050, spreadPoints: 13, stepPoints: 6),
        .init(name: "NZDUSD", assetClass: .fxMajor, digits: 5, contractSize: 100_000 * lot, base: "NZD", profitCurrency: "USD", start: 60_120, spreadPoints: 14, stepPoints: 5),
        .init(name: "EURGBP", assetClass: .fxMinor, digits: 5, contractSize: 100_000 * lot, base: "EUR", profitCurrency: "GBP", start: 85_310, spreadPoints: 12, stepPoints: 4),
        .init(name: "EURJPY", assetClass: .fxMinor, digits: 3, contractSize: 100_000 * lot, base: "EUR", profitCurrency: "JPY", start: 164_120, spreadPoints: 16, stepPoints: 9),
        .init(name: "GBPJPY", assetClass: .fxMinor, digits: 3, contractSize: 100_000 * lot, base: "GBP", profitCurrency: "JPY", start: 192_340, spreadPoints: 22, stepPoints: 12),
        .init(name: "EURCHF", assetClass: .fxMinor, digits: 5, contractSize: 100_000 * lot, base: "EUR", profitCurrency: "CHF", start: 97_980, spreadPoints: 15, stepPoints: 4),
        .init(name: "AUDJPY", assetClass: .fxMinor, digits: 3, contractSize: 100_000 * lot, base: "AUD", profitCurrency: "JPY", start: 99_540, spreadPoints: 18, stepPoints: 8),
        .init(name: "USDTRY", assetClass: .fxExotic, digits: 5, contractSize: 100_000 * lot, base: "USD", profitCurrency: "TRY", start: 3_245_000, spreadPoints: 900, stepPoints: 300),
        .init(name: "USDZAR", assetClass: .fxExotic, digits: 5, contractSize: 100_000 * lot, base: "USD", profitCurrency: "ZAR", start: 1_876_500, spreadPoints: 1_200, stepPoints: 250),
        .init(name: "USDMXN", assetClass: .fxExotic, digits: 5, contractSize: 100_000 * lot, base: "USD", profitCurrency: "MXN", start: 1_687_200, spreadPoints: 800, stepPoints: 200),
        .init(name: "XAUUSD", assetClass: .metal, digits: 2, contractSize: 100 * lot, base: "XAU", profitCurrency: "USD", start: 234_510, spreadPoints: 25, stepPoints: 40),
        .init(name: "XAGUSD", assetClass: .metal, digits: 3, contractSize: 5_000 * lot, base: "XAG", profitCurrency: "USD", start: 28_450, spreadPoints: 25, stepPoints: 15),
        .init(name: "XTIUSD", assetClass: .energy, digits: 2, contractSize: 1_000 * lot, base: "XTI", profitCurrency: "USD", start: 7_852, spreadPoints: 4, stepPoints: 3),
        .init(name: "XBRUSD", assetClass: .energy, digits: 2, contractSize: 1_000 * lot, base: "XBR", profitCurrency: "USD", start: 8_230, spreadPoints: 4, stepPoints: 3),
        .init(name: "XNGUSD", assetClass: .energy, digits: 3, contractSize: 10_000 * lot, base: "XNG", profitCurrency: "USD", start: 2_145, spreadPoints: 6, stepPoints: 4),
        .init(name: "US500", assetClass: .index, digits: 1, contractSize: 1 * lot, base: "US500", profitCurrency: "USD", start: 52_034, spreadPoints: 5, stepPoints: 8),
        .init(name: "US30", assetClass: .index, digits: 1, contractSize: 1 * lot, base: "US30", profitCurrency: "USD", start: 389_560, spreadPoints: 20, stepPoints: 40),
        .init(name: "NAS100", assetClass: .index, digits: 1, contractSize: 1 * lot, base: "NAS100", profitCurrency: "USD", start: 181_230, spreadPoints: 12, stepPoints: 25),
        .init(name: "GER40", assetClass: .index, digits: 1, contractSize: 1 * lot, base: "GER40", profitCurrency: "EUR", start: 182_450, spreadPoints: 10, stepPoints: 20),
        .init(name: "UK100", assetClass: .index, digits: 1, contractSize: 1 * lot, base: "UK100", profitCurrency: "GBP", start: 81_230, spreadPoints: 10, stepPoints: 10),
        .init(name: "JP225", assetClass: .index, digits: 0, contractSize: 1 * lot, base: "JP225", profitCurrency: "JPY", start: 39_850, spreadPoints: 8, stepPoints: 25),
        .init(name: "BTCUSD", assetClass: .crypto, digits: 2, contractSize: 1 * lot, base: "BTC", profitCurrency: "USD", start: 6_512_300, spreadPoints: 3_000, stepPoints: 2_500),
        .init(name: "ETHUSD", assetClass: .crypto, digits: 2, contractSize: 1 * lot, base: "ETH", profitCurrency: "USD", start: 345_600, spreadPoints: 150, stepPoints: 200),
        .init(name: "LTCUSD", assetClass: .crypto, digits: 2, contractSize: 1 * lot, base: "LTC", profitCurrency: "USD", start: 8_450, spreadPoints: 12, stepPoints: 10),
    ]

    var spec: SymbolSpec {
        SymbolSpec(symbol: name, path: path, digits: digits, contractSize: contractSize, baseCurrency: base,
                   profitCurrency: profitCurrency, marginCurrency: base)
    }
}

/// Random-walk prices for every symbol. The same seed gives the same prices,
/// tick for tick.
struct SimulatedMarket: Sendable {
    let symbols: [SimulatedSymbol]
    private(set) var bids: [Int64]
    /// The spread now, in points: the symbol's usual one, or wider during a news spike.
    private(set) var spreads: [Int64]
    /// Ticks each symbol's spike still lasts.
    private var spikes: [Int]
    private var random: SeededRandom
    /// Spikes draw from their own sequence, so prices walk the same with or without them.
    private var news: SeededRandom

    init(seed: UInt64, symbols: [SimulatedSymbol] = SimulatedSymbol.catalogue) {
        self.symbols = symbols
        bids = symbols.map(\.start)
        spreads = symbols.map(\.spreadPoints)
        spikes = symbols.map { _ in 0 }
        random = SeededRandom(seed: seed ^ 0x4D41_524B_4554)   // "MARKET"
        news = SeededRandom(seed: seed ^ 0x4E45_5753)          // "NEWS"
    }

    mutating func tick() {
        for index in symbols.indices {
            let step = symbols[index].stepPoints
            let move = Int64.random(in: -step...step, using: &random)
            // Prices stay within half and twice their start: a walk, not a crash.
            bids[index] = min(max(bids[index] + move, symbols[index].start / 2), symbols[index].start * 2)
            // About one tick in 400 a news spike widens the spread 3 to 8 times for a few ticks.
            if spikes[index] > 0 {
                spikes[index] -= 1
                if spikes[index] == 0 { spreads[index] = symbols[index].spreadPoints }
            } else if news.next(below: 400) == 0 {
                spikes[index] = 2 + Int(news.next(below: 6))
                spreads[index] = symbols[index].spreadPoints * Int64(3 + news.next(below: 6))
            }
        }
    }

    func index(of name: String) -> Int? { symbols.firstIndex { $0.name == name } }
    func bid(_ index: Int) -> Int64 { bids[index] }
    func ask(_ index: Int) -> Int64 { bids[index] + spreads[index] }
    func spread(_ index: Int) -> Int64 { spreads[index] }

    /// How many units of `currency` one US dollar buys, as (numerator, denominator)
    /// in integers: from the market's own USD pairs, so conversions move with prices.
    func usdRate(of currency: String) -> (numerator: Int64, denominator: Int64)? {
        if currency == "USD" { return (1, 1) }
        if let direct = symbols.firstIndex(where: { $0.name == "USD" + currency }) {
            return (bids[direct], Power10.of(symbols[direct].digits))            // USDJPY: 1 USD = bid JPY
        }
        if let inverse = symbols.firstIndex(where: { $0.name == currency + "USD" }) {
            return (Power10.of(symbols[inverse].digits), bids[inverse])          // EURUSD: 1 USD = 1/bid EUR
        }
        return nil
    }
}

