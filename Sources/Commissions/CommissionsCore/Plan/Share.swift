import Money

/// A proportion in parts per million: 30% is 300,000. Written in plans as "30%"
/// (up to four decimals, "12.5%") so that no percentage is ever a binary fraction.
public struct Share: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let whole: Int64 = 1_000_000
    public let ppm: Int64

    public init(ppm: Int64) { self.ppm = ppm }

    /// Parses "30%", "12.5%" or "0.25%" (0% to 100%).
    public init?(_ text: String) {
        guard text.hasSuffix("%"), let units = try? FixedPoint.parse(String(text.dropLast()), scale: 4), (0...1_000_000).contains(units) else {
            return nil
        }
        ppm = units
    }

    public var description: String {
        FixedPoint.format(ppm, scale: 4, minimumDecimals: 0) + "%"
    }

    public static func < (lhs: Share, rhs: Share) -> Bool { lhs.ppm < rhs.ppm }
}
