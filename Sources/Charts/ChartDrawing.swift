/// Turns a `Chart` into SVG. Geometry only: every label comes formatted from the
/// caller, and colours come from the stylesheet (`.chart .series-N`), so the chart
/// follows the brand theme and dark mode.
struct ChartDrawing {
    let chart: Chart
    let id: String

    private var isSpark: Bool { chart.kind == .sparkline }
    private var width: Double { isSpark ? 120 : 480 }
    private var height: Double { isSpark ? 32 : 240 }
    private var pointCount: Int { max(chart.categories.count, chart.series.map(\.values.count).max() ?? 0) }

    func svg() -> String {
        let scale = AxisScale(values: extremes())
        let frame = plotFrame(scale)
        var out = "<svg class=\"chart chart-\(chart.kind.rawValue)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\""
        out += " aria-labelledby=\"\(id)-title \(id)-desc\" direction=\"ltr\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">"
        out += "<title id=\"\(id)-title\">\(SVGText.escaped(chart.title))</title>"
        out += "<desc id=\"\(id)-desc\">\(SVGText.escaped(chart.summary))</desc>"
        if !isSpark {
            out += grid(scale, frame)
            out += legend()
        }
        switch chart.kind {
        case .line, .sparkline: out += lines(scale, frame)
        case .bar: out += bars(scale, frame)
        case .stackedBar: out += stackedBars(scale, frame)
        }
        if !isSpark { out += categoryLabels(frame) }
        return out + "</svg>"
    }

    /// The values the axis must cover: each point, or each stack's ends.
    private func extremes() -> [Int64] {
        guard chart.kind == .stackedBar else { return chart.series.flatMap { $0.values.compactMap { $0 } } }
        return (0..<pointCount).flatMap { index -> [Int64] in
            let values = chart.series.compactMap { index < $0.values.count ? $0.values[index] : nil }
            return [values.filter { $0 > 0 }.reduce(0, +), values.filter { $0 < 0 }.reduce(0, +)]
        }
    }

    struct Frame {
        let left: Double, top: Double, right: Double, bottom: Double
        var width: Double { right - left }
        var height: Double { bottom - top }
    }

    private func plotFrame(_ scale: AxisScale) -> Frame {
        if isSpark { return Frame(left: 2, top: 2, right: width - 2, bottom: height - 2) }
        let longest = scale.ticks.map { chart.valueLabel($0).count }.max() ?? 1
        let legendRows = chart.series.count > 1 ? 22.0 : 0
        return Frame(left: min(10 + Double(longest) * 7.5, 180), top: 12 + legendRows, right: width - 12, bottom: height - 28)
    }

    private func y(_ value: Int64, _ scale: AxisScale, _ frame: Frame) -> Double {
        frame.bottom - scale.fraction(value) * frame.height
    }

    /// The centre of category `index`'s band.
    private func x(_ index: Int, _ frame: Frame) -> Double {
        let bands = Double(max(pointCount, 1))
        if chart.kind == .line || isSpark {
            return pointCount <= 1 ? frame.left + frame.width / 2 : frame.left + frame.width * Double(index) / (bands - 1)
        }
        return frame.left + frame.width * (Double(index) + 0.5) / bands
    }

    private func grid(_ scale: AxisScale, _ frame: Frame) -> String {
        var out = "<g class=\"axis\">"
        for tick in scale.ticks {
            let at = SVGText.number(y(tick, scale, frame))
            out += "<line class=\"\(tick == 0 ? "baseline" : "gridline")\" x1=\"\(SVGText.number(frame.left))\" x2=\"\(SVGText.number(frame.right))\" y1=\"\(at)\" y2=\"\(at)\"/>"
            out += "<text class=\"tick\" x=\"\(SVGText.number(frame.left - 6))\" y=\"\(at)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(SVGText.escaped(chart.valueLabel(tick)))</text>"
        }
        return out + "</g>"
    }

    private func legend() -> String {
        guard chart.series.count > 1 else { return "" }
        var out = "<g class=\"legend\">"
        var left = 10.0
        for (index, series) in chart.series.enumerated() {
            out += "<rect class=\"series-\(index % 6 + 1)\" x=\"\(SVGText.number(left))\" y=\"6\" width=\"10\" height=\"10\" rx=\"2\"/>"
            out += "<text x=\"\(SVGText.number(left + 14))\" y=\"11\" dominant-baseline=\"middle\">\(SVGText.escaped(series.name))</text>"
            left += 30 + Double(series.name.count) * 7.5
        }
        return out + "</g>"
    }

    /// At most about six labels along the bottom, always including the first and
    /// the last; a regular label closer to the last one than the regular spacing gives
    /// way to it (at 390 px two labels four days apart touch).
    static func labelledIndices(count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let every = max(1, Int((Double(count) / 6).rounded(.up)))
        var indices = Array(stride(from: 0, to: count, by: every))
        if let last = indices.last, last != count - 1 {
            if count - 1 - last < every, indices.count > 1 { indices.removeLast() }
            indices.append(count - 1)
        }
        return indices
    }

    private func categoryLabels(_ frame: Frame) -> String {
        let count = chart.categories.count
        var out = "<g class=\"categories\">"
        for index in Self.labelledIndices(count: count) {
            let anchor = chart.kind == .line && count > 1 && index == 0 ? "start"
                : chart.kind == .line && count > 1 && index == count - 1 ? "end" : "middle"
            out += "<text class=\"tick\" x=\"\(SVGText.number(x(index, frame)))\" y=\"\(SVGText.number(frame.bottom + 18))\" text-anchor=\"\(anchor)\">\(SVGText.escaped(chart.categories[index]))</text>"
        }
        return out + "</g>"
    }

    /// One path per series; a missing value starts a new segment instead of drawing
    /// a line through nothing.
    private func lines(_ scale: AxisScale, _ frame: Frame) -> String {
        var out = ""
        for (number, series) in chart.series.enumerated() {
            var path = ""
            var penDown = false
            var points = ""
            for (index, value) in series.values.enumerated() {
                guard let value else { penDown = false; continue }
                let px = SVGText.number(x(index, frame)), py = SVGText.number(y(value, scale, frame))
                path += (penDown ? "L" : "M") + px + " " + py
                penDown = true
                if !isSpark {
                    let label = index < chart.categories.count ? chart.categories[index] + ": " : ""
                    points += "<circle cx=\"\(px)\" cy=\"\(py)\" r=\"2.5\"><title>\(SVGText.escaped(label + series.name + " " + chart.valueLabel(value)))</title></circle>"
                }
            }
            out += "<g class=\"series series-\(number % 6 + 1)\"><path d=\"\(path)\" fill=\"none\"/>\(points)</g>"
        }
        return out
    }

    private func bars(_ scale: AxisScale, _ frame: Frame) -> String {
        let band = frame.width / Double(max(pointCount, 1))
        let seriesCount = Double(max(chart.series.count, 1))
        let barWidth = max(band * 0.8 / seriesCount, 1)
        var out = ""
        for (number, series) in chart.series.enumerated() {
            out += "<g class=\"series series-\(number % 6 + 1)\">"
            for (index, value) in series.values.enumerated() {
                guard let value else { continue }
                let left = x(index, frame) - band * 0.4 + Double(number) * barWidth
                out += bar(left: left, width: barWidth, from: 0, to: value, scale, frame,
                           label: label(index, series.name, value))
            }
            out += "</g>"
        }
        return out
    }

    /// Positive values stack up from zero and negative ones down, so a loss never
    /// hides a gain.
    private func stackedBars(_ scale: AxisScale, _ frame: Frame) -> String {
        let band = frame.width / Double(max(pointCount, 1))
        var up = [Int64](repeating: 0, count: pointCount)
        var down = [Int64](repeating: 0, count: pointCount)
        var out = ""
        for (number, series) in chart.series.enumerated() {
            out += "<g class=\"series series-\(number % 6 + 1)\">"
            for (index, value) in series.values.enumerated() {
                guard let value, value != 0 else { continue }
                let base = value > 0 ? up[index] : down[index]
                out += bar(left: x(index, frame) - band * 0.35, width: band * 0.7, from: base, to: base + value, scale, frame,
                           label: label(index, series.name, value))
                if value > 0 { up[index] += value } else { down[index] += value }
            }
            out += "</g>"
        }
        return out
    }

    private func bar(left: Double, width: Double, from: Int64, to: Int64, _ scale: AxisScale, _ frame: Frame, label: String) -> String {
        let top = min(y(from, scale, frame), y(to, scale, frame))
        let height = abs(y(from, scale, frame) - y(to, scale, frame))
        return "<rect x=\"\(SVGText.number(left))\" y=\"\(SVGText.number(top))\" width=\"\(SVGText.number(width))\" height=\"\(SVGText.number(height))\"><title>\(SVGText.escaped(label))</title></rect>"
    }

    private func label(_ index: Int, _ series: String, _ value: Int64) -> String {
        let category = index < chart.categories.count ? chart.categories[index] + ": " : ""
        return category + (chart.series.count > 1 ? series + " " : "") + chart.valueLabel(value)
    }
}
