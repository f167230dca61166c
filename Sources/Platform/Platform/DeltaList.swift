/// Increasing feed positions packed as LEB128 varints of their differences: a
/// partner's positions in one commission batch cost one or two bytes each.
public enum DeltaList {
    /// `values` must be non-decreasing; repeats are kept once.
    public static func encode(_ values: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 2)
        var previous: Int64 = 0
        for value in values where bytes.isEmpty || value != previous {
            var delta = UInt64(bitPattern: value &- previous)
            while delta >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: delta) | 0x80)
                delta >>= 7
            }
            bytes.append(UInt8(delta))
            previous = value
        }
        return bytes
    }

    /// The positions, or nil when the bytes are not a valid list.
    public static func decode(_ bytes: [UInt8]) -> [Int64]? {
        var values: [Int64] = []
        var previous: Int64 = 0
        var delta: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes {
            guard shift < 64 else { return nil }
            delta |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                previous = previous &+ Int64(bitPattern: delta)
                values.append(previous)
                delta = 0
                shift = 0
            } else {
                shift += 7
            }
        }
        return shift == 0 ? values : nil
    }
}
