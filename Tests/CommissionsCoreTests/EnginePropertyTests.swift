import BrokerCore
import CommissionsCore
import Money
import PropertyBased
import Testing

/// Invariants of the engine over random trees, plans and deals.
@Suite struct EnginePropertyTests {
    typealias Plan = CommissionPlan
    static let lot: Int64 = 100_000_000

    /// A random chain of `depth` partners, each with its own per-lot and commission-share plan.
    static func engine(rates: [Int64], shares: [Int64], distribution: Int, cap: Int64?) throws -> CommissionEngine {
        let distributions: [Plan.Distribution] = [.difference, .perLevel(shares: ["20%", "5%", "2%", "1%"], cap: "25%"),
                                                  .cappedRatios(ratios: [5, 3, 2]), .direct]
        let filters = Plan.Filters(capPerDeal: cap.map { FixedPoint.format($0, scale: 8) })
        let plans = zip(rates, shares).enumerated().map { index, pair in
            Plan(id: "p\(index)", name: "p\(index)", distribution: distributions[distribution], filters: filters, rules: [
                .init(id: "rebate", kind: .perLot, rates: .init(default: FixedPoint.format(pair.0, scale: 8), symbols: ["EURUSD": FixedPoint.format(pair.0 / 2, scale: 8)])),
                .init(id: "commission", kind: .commissionShare, share: "\(pair.1)%"),
            ])
        }
        let partners = plans.indices.map { PartnerInfo(id: "partner-\($0)", plan: $0) }
        return CommissionEngine(book: try CommissionBook(
            currency: .usd, plans: plans,
            instruments: [InstrumentInfo(symbol: "EURUSD", group: "fx", digits: 5), InstrumentInfo(symbol: "XAUUSD", group: "metals", digits: 2)],
            partners: partners, accounts: [AccountInfo(key: "a", chain: Array(partners.indices)), AccountInfo(key: "b", chain: [partners.count - 1])]))
    }

    static let deals = Gen.int64(in: 1...5_000).array(of: 1...40).map { volumes in
        volumes.enumerated().map { index, hundredths in
            EngineDeal(ticket: UInt64(index + 1), account: Int32(index % 2), symbol: Int32(index % 3 == 0 ? 1 : 0),
                       entry: index % 5 == 0 ? .entryIn : .entryOut, volume: hundredths * 1_000_000, commission: -hundredths * 7_000_000)
        }
    }

    @Test func aDealNeverPaysMoreThanThePlanAllows() async throws {
        await propertyCheck(count: 200, input: Gen.int64(in: 0...2_000_000_000).array(of: 1...6), Gen.int(in: 0...3), Gen.int64(in: 1...3_000_000_000), Self.deals) { rates, distribution, cap, deals in
            let engine: CommissionEngine
            do { engine = try Self.engine(rates: rates, shares: rates.map { $0 % 40 }, distribution: distribution, cap: cap) } catch {
                Issue.record("book refused: \(error)")
                return
            }
            var lines: [CommissionLine] = []
            engine.compute(deals, into: &lines)
            #expect(lines.allSatisfy { $0.amount > 0 })
            let perDealRule = Dictionary(grouping: lines) { "\($0.ticket)/\($0.rule)" }
            for (_, group) in perDealRule {
                let total = group.reduce(0) { $0 + $1.amount }
                #expect(total <= cap, "a deal paid \(total) for one rule, over the cap \(cap)")
                // One line per beneficiary, level and rule: exactly once.
                #expect(Set(group.map { "\($0.beneficiary)/\($0.level)" }).count == group.count)
            }
            // The difference model never pays more for a rule than the richest plan in the chain would alone.
            if distribution == 0 {
                let richest = rates.max() ?? 0
                for deal in deals {
                    let total = lines.filter { $0.ticket == deal.ticket && $0.rule == 0 }.reduce(0) { $0 + $1.amount }
                    #expect(Int128(total) <= (Int128(richest) * Int128(deal.volume) + 50_000_000) / 100_000_000)
                }
            }
        }
    }

    @Test func resultsDoNotDependOnBatchSizeAndReplaysChangeNothing() async throws {
        await propertyCheck(count: 150, input: Gen.int64(in: 0...2_000_000_000).array(of: 1...6), Gen.int(in: 0...3), Self.deals, Gen.int(in: 1...7)) { rates, distribution, deals, batch in
            guard let engine = try? Self.engine(rates: rates, shares: rates.map { $0 % 40 }, distribution: distribution, cap: nil) else { return }
            var whole: [CommissionLine] = []
            engine.compute(deals, into: &whole)
            var batched: [CommissionLine] = []
            for start in stride(from: 0, to: deals.count, by: batch) { engine.compute(Array(deals[start..<min(deals.count, start + batch)]), into: &batched) }
            #expect(whole == batched)
            var again: [CommissionLine] = []
            engine.compute(deals, into: &again)
            #expect(again == whole)
            // Each explanation recomputes exactly the deal's lines.
            for deal in deals.prefix(5) {
                #expect(engine.explain(deal).lines == whole.filter { $0.ticket == deal.ticket })
            }
        }
    }

    /// The short path for the common shape (one per-lot rule per level, difference,
    /// no filters) gives exactly what the general path gives (`explain` runs the general path).
    @Test func theShortPathAgreesWithTheGeneralPath() async throws {
        await propertyCheck(count: 200, input: Gen.int64(in: 0...2_000_000_000).array(of: 1...7), Self.deals) { rates, deals in
            let plans = rates.enumerated().map { index, rate in
                Plan(id: "p\(index)", name: "p\(index)", rules: [
                    .init(id: "rebate", kind: .perLot, rates: .init(default: FixedPoint.format(rate, scale: 8), symbols: ["XAUUSD": FixedPoint.format(rate / 3, scale: 8)])),
                ])
            }
            let partners = plans.indices.map { PartnerInfo(id: "partner-\($0)", plan: $0) }
            guard let book = try? CommissionBook(currency: .usd, plans: plans,
                                                 instruments: [InstrumentInfo(symbol: "EURUSD", group: "fx", digits: 5), InstrumentInfo(symbol: "XAUUSD", group: "metals", digits: 2)],
                                                 partners: partners,
                                                 accounts: [AccountInfo(key: "a", chain: Array(partners.indices)), AccountInfo(key: "b", chain: Array(partners.indices.reversed()))]) else {
                Issue.record("book refused")
                return
            }
            let engine = CommissionEngine(book: book)
            var lines: [CommissionLine] = []
            engine.compute(deals, into: &lines)
            #expect(lines == deals.flatMap { engine.explain($0).lines })
        }
    }

    /// A CPA split up the tree never pays more than the level-1 amount (per level: its
    /// cap; ratios: the pool), and under difference never more than the richest level's own.
    @Test func aCPASplitNeverPaysMoreThanItsWhole() async throws {
        await propertyCheck(count: 300, input: Gen.int64(in: 0...100_000_000_000), Gen.int(in: 0...3),
                            Gen.int64(in: 0...200_000_000_000).array(of: 1...6)) { amount, distribution, owns in
            let distributions: [Plan.Distribution] = [.difference, .perLevel(shares: ["70%", "20%", "15%"], cap: "90%"),
                                                      .cappedRatios(ratios: [5, 3, 2]), .direct]
            let own: [Int64?] = [amount] + owns.dropFirst().enumerated().map { $0.offset % 3 == 2 ? nil : $0.element }
            let parts = CPADistribution.split(amount, by: distributions[distribution], own: own)
            #expect(parts.count == own.count && parts.allSatisfy { $0 >= 0 })
            let total = parts.reduce(0, +)
            switch distribution {
            case 0: #expect(total == max(amount, own.compactMap { $0 }.max() ?? 0))
            case 1: #expect(total <= amount * 9 / 10 + 1)
            default: #expect(total <= amount)
            }
        }
    }
}
