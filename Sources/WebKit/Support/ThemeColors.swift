import Foundation

/// Brand colours made safe to carry white text: a broker picks any accent, and a
/// button or a top bar in it must still read (WCAG AA asks 4.5:1 for normal text).
package enum ThemeColors {
    /// `hex` (#rgb or #rrggbb), darkened towards black just enough for white text on it
    /// to reach `contrast`; text that is not a colour comes back as `fallback`.
    package static func readableUnderWhite(_ hex: String, contrast: Double = 4.6, fallback: String) -> String {
        guard var rgb = parse(hex) else { return fallback }
        var steps = 0
        while Self.contrast(white: rgb) < contrast, steps < 40 {
            rgb = (rgb.0 * 0.94, rgb.1 * 0.94, rgb.2 * 0.94)
            steps += 1
        }
        return format(rgb)
    }

    package static func parse(_ hex: String) -> (Double, Double, Double)? {
        var digits = Substring(hex)
        guard digits.first == "#" else { return nil }
        digits = digits.dropFirst()
        if digits.count == 3 { digits = Substring(digits.map { "\($0)\($0)" }.joined()) }
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        return (Double((value >> 16) & 0xFF), Double((value >> 8) & 0xFF), Double(value & 0xFF))
    }

    static func format(_ rgb: (Double, Double, Double)) -> String {
        let parts = [rgb.0, rgb.1, rgb.2].map { component -> String in
            let byte = UInt8(max(0, min(255, component.rounded())))
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }
        return "#" + parts.joined()
    }

    /// The contrast ratio of white text on `rgb`.
    package static func contrast(white rgb: (Double, Double, Double)) -> Double {
        1.05 / (luminance(rgb) + 0.05)
    }

    static func luminance(_ rgb: (Double, Double, Double)) -> Double {
        func linear(_ channel: Double) -> Double {
            let c = channel / 255
            return c <= 0.039_28 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(rgb.0) + 0.7152 * linear(rgb.1) + 0.0722 * linear(rgb.2)
    }
}
