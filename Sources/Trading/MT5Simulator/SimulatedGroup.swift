import Foundation

/// A group on the simulated server: the account type's currency, leverage cap and
/// trading conditions.
struct SimulatedGroup: Sendable {
    let name: String
    let currency: String
    let currencyDigits: Int
    let maxLeverage: Int
    /// Charged per lot on each side of a trade, in 10^-8 of the group currency.
    let commissionPerLotPerSide: Int64
    let swapFree: Bool
    /// Account-currency units per US dollar (100 for a cent account).
    let unitsPerUSD: Int64

    static let defaults: [SimulatedGroup] = [
        .init(name: "real\\standard", currency: "USD", currencyDigits: 2, maxLeverage: 500, commissionPerLotPerSide: 0, swapFree: false, unitsPerUSD: 1),
        .init(name: "real\\ecn", currency: "USD", currencyDigits: 2, maxLeverage: 500, commissionPerLotPerSide: 350_000_000, swapFree: false, unitsPerUSD: 1),
        .init(name: "real\\cent", currency: "USC", currencyDigits: 2, maxLeverage: 1_000, commissionPerLotPerSide: 0, swapFree: false, unitsPerUSD: 100),
        .init(name: "real\\islamic", currency: "USD", currencyDigits: 2, maxLeverage: 500, commissionPerLotPerSide: 0, swapFree: true, unitsPerUSD: 1),
        .init(name: "demo\\standard", currency: "USD", currencyDigits: 2, maxLeverage: 1_000, commissionPerLotPerSide: 0, swapFree: false, unitsPerUSD: 1),
    ]

    /// MT5 masks: `*` matches any run of characters; several masks separated by commas,
    /// `!` excludes.
    static func matches(_ group: String, mask: String) -> Bool {
        var included = false
        for part in mask.split(separator: ",") {
            let pattern = part.trimmingCharacters(in: .whitespaces)
            if pattern.hasPrefix("!") {
                if wildcard(group.lowercased(), String(pattern.dropFirst()).lowercased()) { return false }
            } else if wildcard(group.lowercased(), pattern.lowercased()) {
                included = true
            }
        }
        return included
    }

    static func wildcard(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text), p = Array(pattern)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == t[ti] {
                ti += 1; pi += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
