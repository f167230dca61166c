import Money
import PropertyBased
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [
        ("12.34", Currency.usd, Int64(1234)), ("-0.05", .usd, -5), ("100", .jpy, 100), ("1.234", .kwd, 1234),
        ("0.10", .usd, 10), ("7", .usd, 700), ("+3.5", .eur, 350), (".5", .usd, 50), ("2.500", .usd, 250),
    ])
    func parsesExactly(text: String, currency: Currency, minor: Int64) throws {
        #expect(try Money(parsing: text, currency: currency).minorUnits == minor)
    }

    @Test(arguments: ["", "-", "1.2.3", "abc", "1e5", "1.234", "12,5", " . ", "99999999999999999999"])
    func refusesBadAmounts(text: String) {
        #expect(throws: MoneyError.self) { try Money(parsing: text, currency: .usd) }
    }

    @Test func formatsAndParsesRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.int64(in: -9_000_000_000_000_000...9_000_000_000_000_000), Gen.int(in: 0...2).map { [Currency.usd, .jpy, .kwd][$0] }) { units, currency in
            let money = Money(minorUnits: units, currency: currency)
            #expect((try? Money(parsing: money.decimalString, currency: currency)) == money)
        }
    }

    @Test func arithmeticIsCheckedAndCurrencySafe() throws {
        let a = Money(minorUnits: 500, currency: .usd)
        #expect(try a.adding(Money(minorUnits: 250, currency: .usd)).minorUnits == 750)
        #expect(throws: MoneyError.currencyMismatch("USD", "EUR")) { try a.adding(Money(minorUnits: 1, currency: .eur)) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .max, currency: .usd).adding(Money(minorUnits: 1, currency: .usd)) }
    }

    @Test func conversionAtRecordedRateRoundsOnceAndReturnsResidue() throws {
        // 100.00 EUR at 1.0857 = 108.57 USD exactly
        let rate = try ExchangeRate(base: .eur, quote: .usd, parsing: "1.0857")
        let converted = try rate.convert(Money(minorUnits: 10_000, currency: .eur))
        #expect(converted.money == Money(minorUnits: 10_857, currency: .usd))
        #expect(converted.residue.units == 0)
        // 1.00 USD at 151.237 JPY = 151 JPY, 0.237 carried
        let jpy = try ExchangeRate(base: .usd, quote: .jpy, parsing: "151.237")
        let toYen = try jpy.convert(Money(minorUnits: 100, currency: .usd))
        #expect(toYen.money.minorUnits == 151)
        #expect(toYen.residue.units == 23_700_000)
        #expect(throws: MoneyError.self) { try jpy.convert(Money(minorUnits: 1, currency: .eur)) }
    }

    @Test func volumeUnits() throws {
        #expect(try Volume(lots: "1").units == 100_000_000)
        #expect(Volume(mt5Volume: 10_000) == (try Volume(lots: "1")))
        #expect(try Volume(lots: "0.01").units == 1_000_000)
    }
}
