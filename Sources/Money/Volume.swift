/// Trade volume in one unit end to end: 10^-8 lot, MT5's `VolumeExt`.
///
/// MT5's plain `Volume` field is 10^-4 lot; `Volume(mt5Volume:)` converts it.
/// Lots, not units of the base asset: a lot's size is the symbol's contract size.
public struct Volume: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public static let unitsPerLot: Int64 = 100_000_000
    public let units: Int64

    public init(units: Int64) { self.units = units }
    public init(mt5Volume: Int64) { self.units = mt5Volume * 10_000 }
    public init(lots text: String) throws { self.units = try FixedPoint.parse(text, scale: 8) }

    public var description: String { "\(FixedPoint.format(units, scale: 8)) lots" }
    public static func < (lhs: Volume, rhs: Volume) -> Bool { lhs.units < rhs.units }
}
