/// Text placed inside SVG markup. The chart's SVG is put into pages unescaped, so
/// every caller-supplied string goes through here. Pages that write HTML in Swift
/// escape with it too (`HTML.escaped`): the same five characters Mustache escapes.
package enum SVGText {
    package static func escaped(_ text: String) -> String {
        // Most labels hold none of the five: return them as they are.
        guard text.utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An id safe in an attribute and as an XML name: letters, digits, `-` and `_`.
    static func identifier(_ text: String) -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
            default: "_"
            }
        }
        return "chart-" + String(kept)
    }

    /// A coordinate with at most one decimal, without a locale (SVG wants `.`).
    static func number(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int64(tenths) / 10
        let fraction = abs(Int64(tenths) % 10)
        if fraction == 0 { return String(whole) }
        return (tenths < 0 && whole == 0 ? "-" : "") + String(whole) + "." + String(fraction)
    }
}
