/// Parsing and printing of integers scaled by a power of ten, without floating point.
public enum FixedPoint {
    /// Parses `"-123.4500"` at `scale` 2 into `-12345`; refuses digits beyond the scale
    /// unless they are zeros, and refuses anything that is not a plain decimal number.
    public static func parse(_ text: String, scale: Int) throws -> Int64 {
        let trimmed = text.trimmingSpaces
        var chars = Substring(trimmed)
        var negative = false
        if chars.first == "-" || chars.first == "+" {
            negative = chars.first == "-"
            chars = chars.dropFirst()
        }
        let parts = chars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integerPart = parts.first, !chars.isEmpty else { throw MoneyError.invalidAmount(text) }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard !(integerPart.isEmpty && fraction.isEmpty),
              integerPart.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit)
        else { throw MoneyError.invalidAmount(text) }
        while fraction.count > scale, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= scale else {
            throw MoneyError.invalidAmount("\(text) has more than \(scale) decimal places")
        }
        let digits = String(integerPart) + String(fraction) + String(repeating: "0", count: scale - fraction.count)
        var value: Int64 = 0
        for digit in digits.utf8 {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit - 48))
            if o1 || o2 { throw MoneyError.overflow(text) }
            value = next
        }
        return negative ? -value : value
    }

    /// Like `format`, without the trailing zeros beyond `minimumDecimals`:
    /// 1050000000 at scale 8 is "10.50" with 2, "10.5" with 0; a whole number loses its point.
    public static func format(_ value: Int64, scale: Int, minimumDecimals: Int) -> String {
        var text = format(value, scale: scale)
        guard scale > minimumDecimals else { return text }
        var decimals = scale
        while decimals > minimumDecimals, text.hasSuffix("0") {
            text.removeLast()
            decimals -= 1
        }
        if decimals == 0, text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Prints `-12345` at `scale` 2 as `"-123.45"`.
    public static func format(_ value: Int64, scale: Int) -> String {
        let magnitude = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        guard scale > 0 else { return sign + magnitude }
        let padded = String(repeating: "0", count: max(0, scale + 1 - magnitude.count)) + magnitude
        let split = padded.index(padded.endIndex, offsetBy: -scale)
        return sign + padded[..<split] + "." + padded[split...]
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
