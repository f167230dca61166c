/// The group a symbol belongs to when the broker has not said otherwise, guessed
/// from its name the way trade servers name symbols: currency pairs by how liquid
/// their currencies are, metals, energies, indices and crypto by their codes.
/// Rules choose by symbol first, so a guess only matters for group rates.
public enum InstrumentGroups {
    public static let groups = ["fx_majors", "fx_minors", "fx_exotics", "metals", "energies", "indices", "crypto", "other"]
    static let majors: Set<String> = ["EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD"]
    static let liquid: Set<String> = ["USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "NZD"]
    static let currencies: Set<String> = liquid.union(["TRY", "ZAR", "MXN", "SEK", "NOK", "DKK", "PLN", "HUF", "CZK", "SGD", "HKD", "CNH", "RUB", "ILS",
                                                      "THB", "INR", "KRW", "BRL"])

    public static func guess(_ symbol: String) -> String {
        let name = pairName(symbol)
        if majors.contains(name) { return "fx_majors" }
        if name.count == 6 {
            let base = String(name.prefix(3)), quote = String(name.suffix(3))
            if ["XAU", "XAG", "XPT", "XPD"].contains(base) { return "metals" }
            if ["BTC", "ETH", "LTC", "XRP", "SOL"].contains(base) { return "crypto" }
            if currencies.contains(base) && currencies.contains(quote) {
                return liquid.contains(base) && liquid.contains(quote) ? "fx_minors" : "fx_exotics"
            }
        }
        if ["OIL", "BRENT", "WTI", "GAS", "NATGAS"].contains(where: { name.contains($0) }) { return "energies" }
        if ["BTC", "ETH", "LTC", "XRP", "SOL"].contains(where: { name.hasPrefix($0) }) { return "crypto" }
        if name.contains(where: \.isNumber) { return "indices" }
        return "other"
    }

    /// The currency a symbol's profit is counted in (the quote currency of a pair;
    /// USD for the others, as on most retail servers).
    public static func profitCurrency(_ symbol: String) -> String {
        let name = pairName(symbol)
        if name.count == 6, currencies.contains(String(name.suffix(3))) { return String(name.suffix(3)) }
        return "USD"
    }

    /// The name without a server's suffix: `EURUSD.r`, `EURUSD_i` and `EURUSDm` (a
    /// cent or micro variant) are all EURUSD when their first six letters are a pair.
    static func pairName(_ symbol: String) -> String {
        let name = String(symbol.uppercased().prefix { $0.isLetter || $0.isNumber })
        guard name.count > 6 else { return name }
        let six = String(name.prefix(6))
        let base = String(six.prefix(3)), quote = String(six.suffix(3))
        if currencies.contains(base) && currencies.contains(quote) { return six }
        if ["XAU", "XAG", "XPT", "XPD"].contains(base) && currencies.contains(quote) { return six }
        return name
    }
}
