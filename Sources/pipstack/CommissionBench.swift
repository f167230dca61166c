import ArgumentParser
import BrokerCore
import CommissionsCore
import Foundation
import Money
import Partners
import Platform

/// The pure commission engine on one core: per-symbol rules on partner trees of
/// `--depth` levels, deals computed in batches into a reused line buffer.
struct CommissionBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commissions", abstract: "Pure commission engine throughput (one core, no I/O).")

    @Option(help: "Deals to compute.") var deals = 1_000_000
    @Option(help: "Levels of each partner tree.") var depth = 5
    @Option(help: "Trading accounts.") var accounts = 10_000
    @Option(help: "Partner trees (each with `depth` levels).") var trees = 200
    @Option(help: "Deals per engine call.") var batch = 4_096
    @Option(help: "Repetitions; the best is reported.") var repeats = 3
    @Flag(help: "Print JSON only.") var json = false

    static let symbols = ["EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD", "EURGBP", "EURJPY", "GBPJPY", "EURCHF",
                          "AUDJPY", "EURAUD", "USDTRY", "USDZAR", "USDMXN", "EURTRY", "XAUUSD", "XAGUSD", "XPTUSD", "USOIL", "UKOIL",
                          "NATGAS", "US30", "US500", "NAS100", "GER40", "BTCUSD", "ETHUSD"]

    func run() throws {
        guard depth >= 1, trees >= 1, accounts >= 1, deals >= 1, batch >= 1 else { throw ValidationError("every count must be positive") }
        let instruments = Self.symbols.enumerated().map { index, symbol in
            InstrumentInfo(symbol: symbol, group: index < 17 ? "fx" : index < 20 ? "metals" : index < 23 ? "energies" : index < 27 ? "indices" : "crypto",
                           digits: index < 17 ? 5 : 2)
        }
        // One plan per level: the higher the level, the richer, every symbol priced on its own.
        let plans = (0..<depth).map { level in
            var symbols: [String: String] = [:]
            for (index, symbol) in Self.symbols.enumerated() { symbols[symbol] = FixedPoint.format(Int64(300 + 25 * index + 100 * level) * 1_000_000, scale: 8) }
            return CommissionPlan(id: "level-\(level + 1)", name: "Level \(level + 1)", rules: [
                .init(id: "rebate", kind: .perLot, rates: .init(default: "1.00", groups: ["energies": "0.50"], symbols: symbols)),
            ])
        }
        // Trees: partner t*depth + level; level 0 is the account's own IB, level depth-1 the root.
        let partners = (0..<(trees * depth)).map { PartnerInfo(id: "p\($0)", plan: depth - 1 - $0 % depth) }
        let accountInfos = (0..<accounts).map { index -> AccountInfo in
            let tree = index % trees
            return AccountInfo(key: "a\(index)", chain: (0..<depth).map { tree * depth + (depth - 1 - $0) })
        }
        let engine = CommissionEngine(book: try CommissionBook(currency: .usd, plans: plans, instruments: instruments, partners: partners,
                                                               accounts: accountInfos))
        var random = SeededRandom(seed: 2026)
        let input = (0..<deals).map { index in
            EngineDeal(ticket: UInt64(index + 1), account: Int32(random.next(below: accounts)), symbol: Int32(random.next(below: Self.symbols.count)),
                       entry: .entryOut, volume: Int64(1 + random.next(below: 500)) * 1_000_000)
        }
        var lines: [CommissionLine] = []
        lines.reserveCapacity(batch * depth)
        var best = Double.infinity
        var lineCount = 0
        var total: Int64 = 0
        for _ in 0..<max(1, repeats) {
            lineCount = 0
            total = 0
            let clock = ContinuousClock()
            let started = clock.now
            input.withUnsafeBufferPointer { all in
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + batch)
                    lines.removeAll(keepingCapacity: true)
                    engine.compute(UnsafeBufferPointer(rebasing: all[start..<end]), into: &lines)
                    lineCount += lines.count
                    for line in lines { total &+= line.amount }
                    start = end
                }
            }
            best = min(best, (clock.now - started).seconds)
        }
        let result: [String: Any] = [
            "deals": deals, "seconds": (best * 10_000).rounded() / 10_000, "deals_per_second": Int(Double(deals) / max(best, 1e-9)),
            "lines": lineCount, "depth": depth, "symbols": Self.symbols.count, "checksum": total,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }
}
