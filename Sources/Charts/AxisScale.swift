/// A value axis with "nice" ticks (1, 2 or 5 times a power of ten) that covers the
/// data and zero, so bars always grow from a visible baseline.
struct AxisScale: Equatable {
    let low: Int64
    let high: Int64
    let step: Int64

    init(values: [Int64], targetTicks: Int = 4) {
        let low = min(values.min() ?? 0, 0)
        let high = max(values.max() ?? 0, 0)
        let span = max(high - low, 1)
        let step = Self.niceStep(span: span, ticks: max(targetTicks, 1))
        self.step = step
        self.low = Self.floor(low, step)
        let ceiled = Self.ceil(high, step)
        self.high = ceiled == self.low ? self.low + step : ceiled
    }

    var ticks: [Int64] { Array(stride(from: low, through: high, by: Int(step))) }

    /// Where `value` sits between the axis ends, 0 at `low` and 1 at `high`.
    func fraction(_ value: Int64) -> Double {
        Double(value - low) / Double(high - low)
    }

    static func niceStep(span: Int64, ticks: Int) -> Int64 {
        let raw = max(span / Int64(ticks), 1)
        var power: Int64 = 1
        while power <= raw / 10 { power *= 10 }
        for multiple: Int64 in [1, 2, 5, 10] where power * multiple >= raw { return power * multiple }
        return power * 10
    }

    private static func floor(_ value: Int64, _ step: Int64) -> Int64 {
        value >= 0 ? value / step * step : -((-value + step - 1) / step * step)
    }

    private static func ceil(_ value: Int64, _ step: Int64) -> Int64 {
        value <= 0 ? -(-value / step * step) : (value + step - 1) / step * step
    }
}
