import Money
import PropertyBased
import Testing

@Suite struct RoundingTests {
    @Test(arguments: [
        // (numerator, divisor, rule, expected quotient)
        (Int64(25), Int64(10), RoundingRule.halfEven, Int64(2)),
        (35, 10, .halfEven, 4),
        (-25, 10, .halfEven, -2),
        (-35, 10, .halfEven, -4),
        (26, 10, .halfEven, 3),
        (24, 10, .halfEven, 2),
        (25, 10, .halfUp, 3),
        (-25, 10, .halfUp, -3),
        (29, 10, .down, 2),
        (-29, 10, .down, -2),
        (-21, 10, .floor, -3),
        (21, 10, .ceiling, 3),
        (-21, 10, .ceiling, -2),
    ])
    func knownCases(numerator: Int64, divisor: Int64, rule: RoundingRule, expected: Int64) {
        let result = Rounding.divide(numerator, by: divisor, rule: rule)
        #expect(result.quotient == expected)
        #expect(result.quotient * divisor + result.remainder == numerator)
    }

    @Test func divisionIdentityHoldsForEveryRule() async {
        await propertyCheck(count: 500, input: Gen.int64(in: -1_000_000_000_000...1_000_000_000_000), Gen.int64(in: 1...1_000_000), Gen.int(in: 0...4).map { RoundingRule.allCases[$0] }) { n, d, rule in
            let result = Rounding.divide(n, by: d, rule: rule)
            #expect(result.quotient * d + result.remainder == n)
            #expect(result.remainder.magnitude < d.magnitude)
            if rule == .halfEven || rule == .halfUp {
                #expect(result.remainder.magnitude * 2 <= d.magnitude)
            }
        }
    }
}

@Suite struct ResidueCarrierTests {
    @Test func residuesAreCarriedNeverLost() async {
        await propertyCheck(count: 200, input: Gen.int64(in: -50_000_000...50_000_000).array(of: 1...60)) { accruals in
            var carrier = ResidueCarrier(currency: .usd)
            var paid: Int64 = 0
            for units in accruals {
                paid += (try? carrier.settle(Accrual(units: units, currency: .usd)).minorUnits) ?? 0
            }
            let accrued = accruals.reduce(0, +)
            // Everything accrued is either paid (in minor units) or still carried.
            #expect(paid * 1_000_000 + carrier.residue == accrued)
            #expect(carrier.residue.magnitude * 2 <= 1_000_000)
        }
    }

    @Test func centAccountRebateExample() throws {
        // domain.md: 10 points on 1 lot of cent EURUSD (contract 1,000) = 1 x 10 x 0.00001 x 1000 = $0.10
        let pointValue = try Accrual(parsing: "0.00001", currency: .usd)   // price step
        let rebate = Accrual(units: pointValue.units * 10 * 1_000, currency: .usd)
        #expect(rebate.rounded().money == Money(minorUnits: 10, currency: .usd))
        #expect(rebate.rounded().residue.units == 0)
    }
}
