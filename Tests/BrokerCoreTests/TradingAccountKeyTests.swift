import BrokerCore
import Testing

/// `SERVER:LOGIN`, the text form of a trading account, is built and read in one place.
@Suite struct TradingAccountKeyTests {
    @Test func readsWhatItWrites() throws {
        let key = TradingAccountKey(server: "mt5_live", login: TradingLogin(5_000_003))
        #expect(key.description == "mt5_live:5000003")
        #expect(TradingAccountKey("mt5_live:5000003") == key)
        #expect(TradingAccountKey(key.description) == key)
    }

    @Test(arguments: ["", "mt5_live", "mt5_live:", ":5000003", "mt5_live:0", "mt5_live:-4", "mt5_live:12x", "a:b:5000003", "mt5_live:5000003:1"])
    func refusesWhatIsNotOne(_ text: String) {
        #expect(TradingAccountKey(text) == nil)
    }

    @Test func ordersByServerThenLogin() {
        let keys = ["b:1", "a:20", "a:3"].compactMap { TradingAccountKey($0) }.sorted()
        #expect(keys.map(\.description) == ["a:3", "a:20", "b:1"])
    }
}
