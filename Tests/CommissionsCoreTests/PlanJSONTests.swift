import BrokerCore
import CommissionsCore
import Foundation
import Money
import Testing

/// Plans as code: the documented JSON reads, writes back the same, and a plan that
/// cannot be used is refused naming the offending field.
@Suite struct PlanJSONTests {
    /// The example of docs/commission-plans.md.
    static var documented: String {
        get throws {
            let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/commission-plans.md")
            let text = try String(contentsOf: file, encoding: .utf8)
            guard let start = text.range(of: "```json\n"), let end = text.range(of: "\n```", range: start.upperBound..<text.endIndex) else {
                throw PlanValidationError(path: "docs", message: "no JSON example")
            }
            return String(text[start.upperBound..<end.lowerBound])
        }
    }

    @Test func theDocumentedPlanReadsAndRoundTrips() throws {
        let plan = try JSONDecoder().decode(CommissionPlan.self, from: Data(try Self.documented.utf8))
        try plan.validate()
        #expect(plan.id == "gold-ib" && plan.version == 3 && plan.rules.count == 4)
        #expect(plan.filters.minHoldSeconds == 60 && plan.filters.capPerDeal == "50.00" && plan.distribution == .difference)
        #expect(plan.rules[0].rates.value(symbol: "EURUSD", group: "fx_majors")?.text == "7.00")
        #expect(plan.rules[0].rates.value(symbol: "XAUUSD", group: "metals")?.source == "symbol XAUUSD")
        #expect(plan.rules[1].unit == .points && plan.rules[0].accountTypes == ["standard", "islamic"])
        #expect(plan.rules[2].typicalSpreadPoints?.value(symbol: "EURUSD", group: "fx_majors")?.text == "8")
        #expect(plan.filters.capPerPeriod == .init(amount: "20000.00", period: .monthly))
        #expect(plan.cpa?.rule(currency: .usd)?.bands.map(\.amount) == [40_000, 25_000] && plan.cpa?.requireKYC == true)
        let encoded = try JSONEncoder().encode(plan)
        #expect(try JSONDecoder().decode(CommissionPlan.self, from: encoded) == plan)
    }

    @Test(arguments: [
        (#"{"id":"p","name":"P","rules":[{"id":"r","kind":"per_lot","rates":{"symbols":{"EURUSD":"7,00"}}}]}"#,
         "rules[0].rates.symbols.EURUSD"),
        (#"{"id":"p","name":"P","rules":[{"id":"r","kind":"spread_share","share":"130%","spread_per_lot":{"default":"1"}}]}"#, "rules[0].share"),
        (#"{"id":"p","name":"P","rules":[{"id":"r","kind":"spread_share","share":"30%"}]}"#, "rules[0].spread_per_lot"),
        (#"{"id":"p","name":"P","rules":[{"id":"r","kind":"commission_share","share":"10%"},{"id":"r","kind":"commission_share","share":"5%"}]}"#, "rules[1].id"),
        (#"{"id":"p","name":"P","currency":"XYZ","rules":[{"id":"r","kind":"commission_share","share":"10%"}]}"#, "currency"),
        (#"{"id":"p","name":"P","distribution":{"kind":"per_level","shares":["60%","50%"]},"rules":[{"id":"r","kind":"commission_share","share":"10%"}]}"#,
         "distribution.shares"),
        (#"{"id":"p","name":"P","filters":{"cap_per_deal":"-1"},"rules":[{"id":"r","kind":"commission_share","share":"10%"}]}"#, "filters.cap_per_deal"),
        (#"{"id":"p","name":"P","rules":[]}"#, "rules"),
        (#"{"id":"has space","name":"P","rules":[{"id":"r","kind":"commission_share","share":"10%"}]}"#, "id"),
    ])
    func invalidPlansAreRefusedNamingTheField(json: String, path: String) throws {
        let plan = try JSONDecoder().decode(CommissionPlan.self, from: Data(json.utf8))
        #expect(throws: PlanValidationError.self) { try plan.validate() }
        do { try plan.validate() } catch { #expect(error.path == path, "\(error)") }
    }

    @Test func unknownKindsAreRefusedWhenRead() {
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(CommissionPlan.self, from: Data(#"{"id":"p","name":"P","rules":[{"id":"r","kind":"per_trade"}]}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(CommissionPlan.self, from: Data(#"{"id":"p","name":"P","distribution":{"kind":"pyramid"},"rules":[]}"#.utf8))
        }
    }
}

@Suite struct InstrumentGroupTests {
    @Test func symbolsFallIntoTheirGroups() {
        let cases = ["EURUSD": "fx_majors", "EURGBP": "fx_minors", "USDTRY": "fx_exotics", "XAUUSD": "metals", "USOIL": "energies",
                     "NATGAS": "energies", "US30": "indices", "GER40": "indices", "BTCUSD": "crypto", "ETHUSD": "crypto", "EURUSD.pro": "fx_majors"]
        for (symbol, group) in cases { #expect(InstrumentGroups.guess(symbol) == group, "\(symbol)") }
        #expect(InstrumentGroups.profitCurrency("USDJPY") == "JPY" && InstrumentGroups.profitCurrency("US30") == "USD")
    }
}

@Suite struct CivilDayTests {
    @Test func daysBecomeEpochSeconds() {
        #expect(CivilDay.start("1970-01-01") == 0)
        #expect(CivilDay.start("2026-03-01") == 1_772_323_200)
        #expect(CivilDay.start("2000-02-29") == 951_782_400)
        #expect(CivilDay.start("2024-12-31") == 1_735_603_200)
        for bad in ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-32", "", "2026-01-01T00:00"] {
            #expect(CivilDay.start(bad) == nil, "\(bad)")
        }
    }
}
