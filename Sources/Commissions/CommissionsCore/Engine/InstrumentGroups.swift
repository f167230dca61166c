/// The group a symbol's rates are chosen by. The broker's own setting for the
/// symbol wins; then the folder the trade server files it in (`Energies\XTIUSD`),
/// through the broker's table of folders; only then a guess from its name, the way
/// trade servers name symbols: currency pairs by how liquid their currencies are,
/// metals, energies, indices and crypto by their codes.
/// Rules choose by symbol first, so the group only matters for group rates.
public enum InstrumentGroups {
    public static let groups = ["fx_majors", "fx_minors", "fx_exotics", "metals", "energies", "indices", "crypto", "other"]

    /// The folders MT5 servers file symbols in out of the box, with the group each means:
    /// the table a new installation starts with.
    public static let defaultFolders: [(folder: String, group: String)] = [
        ("Forex\\Majors", "fx_majors"), ("Forex\\Minors", "fx_minors"), ("Forex\\Exotics", "fx_exotics"),
        ("Metals", "metals"), ("Energies", "energies"), ("Commodities\\Energies", "energies"), ("Commodities\\Metals", "metals"),
        ("Indices", "indices"), ("Crypto", "crypto"), ("Cryptocurrencies", "crypto"),
    ]

    /// The group the broker's folder table gives a server path: the entry naming the
    /// most leading folders of the path wins (`Forex\Majors` over `Forex`), compared
    /// without regard to case or to `\` against `/`. Nil when no entry matches.
    public static func group(ofPath path: String, folders: [String: String]) -> String? {
        let parts = folderParts(path)
        guard !parts.isEmpty else { return nil }
        var best: (length: Int, group: String)?
        for (folder, group) in folders where !group.isEmpty {
            let prefix = folderParts(folder)
            guard !prefix.isEmpty, prefix.count <= parts.count, Array(parts.prefix(prefix.count)) == prefix else { continue }
            if best.map({ prefix.count > $0.length }) ?? true { best = (prefix.count, group) }
        }
        return best?.group
    }

    /// A path's folders, lower-cased and trimmed of spaces, split on either slash.
    public static func folderParts(_ path: String) -> [String] {
        path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()).lowercased() }.filter { !$0.isEmpty }
    }
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
