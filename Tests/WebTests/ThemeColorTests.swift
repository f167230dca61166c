import Testing
import WebKit

struct ThemeColorTests {
    @Test func brandColoursAreDarkenedUntilWhiteTextReads() throws {
        for colour in ["#2e8b57", "#ffcc00", "#ffffff", "#7fbfff", "#1f4e79", "#abc"] {
            let readable = ThemeColors.readableUnderWhite(colour, fallback: "#000000")
            let rgb = try #require(ThemeColors.parse(readable))
            #expect(ThemeColors.contrast(white: rgb) >= 4.5, "\(colour) → \(readable)")
        }
        #expect(ThemeColors.readableUnderWhite("#1f4e79", fallback: "") == "#1f4e79", "a dark colour stays as the brand chose it")
        #expect(ThemeColors.readableUnderWhite("red; } body { x", fallback: "#123456") == "#123456", "what is not a colour never reaches the CSS")
    }
}
