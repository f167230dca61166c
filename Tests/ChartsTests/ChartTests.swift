@testable import Charts
import PropertyBased
import Testing

@Suite struct ChartTests {
    private let days = ["1 Nov", "2 Nov", "3 Nov"]

    @Test func everyCallerTextIsEscapedInTheSVG() {
        let hostile = "<script>alert('x')</script>&"
        let chart = Chart(kind: .bar, title: hostile, summary: hostile, categories: [hostile, "b"],
                          series: [ChartSeries(name: hostile, values: [1, 2]), ChartSeries(name: "two", values: [3, 4])],
                          valueLabel: { _ in hostile })
        let svg = chart.svg(id: "x\"><script>")
        #expect(!svg.contains("<script>"))
        #expect(!svg.contains("'x'"))
        #expect(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"))
        #expect(svg.contains("id=\"chart-x___script_-title\""))
    }

    @Test func theSVGNamesItsTitleAndDescriptionForScreenReaders() {
        let chart = Chart(kind: .line, title: "Lots per day", summary: "Lots traded each day, last 30 days.", categories: days,
                          series: [ChartSeries(name: "Lots", values: [10, 20, 15])])
        let svg = chart.svg(id: "lots")
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("aria-labelledby=\"chart-lots-title chart-lots-desc\""))
        #expect(svg.contains("<title id=\"chart-lots-title\">Lots per day</title>"))
        #expect(svg.contains("<desc id=\"chart-lots-desc\">Lots traded each day, last 30 days.</desc>"))
    }

    @Test func aLineHasOnePointPerValueAndAGapWhereAValueIsMissing() {
        let chart = Chart(kind: .line, title: "t", categories: ["a", "b", "c", "d"], series: [ChartSeries(name: "s", values: [1, nil, 3, 4])])
        let svg = chart.svg(id: "g")
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3)
        let path = svg.components(separatedBy: " d=\"")[1].prefix { $0 != "\"" }
        #expect(path.filter { $0 == "M" }.count == 2, "a new segment after the gap: \(path)")
        #expect(path.filter { $0 == "L" }.count == 1)
    }

    @Test func barsAreDrawnFromZeroAndNegativeBarsGoDown() {
        let chart = Chart(kind: .bar, title: "P&L", categories: ["a", "b"], series: [ChartSeries(name: "P&L", values: [100, -50])])
        let rects = rectangles(chart.svg(id: "b"))
        #expect(rects.count == 2)
        let baseline = rects[0].y + rects[0].height
        #expect(abs(rects[1].y - baseline) < 0.2, "the loss hangs from the same baseline")
        #expect(abs(rects[0].height - 2 * rects[1].height) < 0.3)
    }

    @Test func stackedBarsStackPositivesUpAndNegativesDown() {
        let chart = Chart(kind: .stackedBar, title: "t", categories: ["a"],
                          series: [ChartSeries(name: "x", values: [30]), ChartSeries(name: "y", values: [20]), ChartSeries(name: "z", values: [-10])])
        let rects = rectangles(chart.svg(id: "s")).filter { $0.height > 0 && $0.width > 20 }
        #expect(rects.count == 3)
        #expect(abs((rects[1].y + rects[1].height) - rects[0].y) < 0.2, "y sits on top of x")
        #expect(abs(rects[2].y - (rects[0].y + rects[0].height)) < 0.2, "z hangs below zero")
        #expect(chart.table.columns == ["", "x", "y", "z", "Σ"])
        #expect(chart.table.rows == [["a", "30", "20", "-10", "40"]])
    }

    @Test func theTableCarriesEveryNumberFormattedByTheCaller() {
        let chart = Chart(kind: .line, title: "Earnings", categories: days,
                          series: [ChartSeries(name: "USD", values: [123_456, nil, 5])], valueLabel: { "\($0 / 100).\(String(format2: $0 % 100))" })
        #expect(chart.table.columns == ["", "USD"])
        #expect(chart.table.rows == [["1 Nov", "1234.56"], ["2 Nov", "—"], ["3 Nov", "0.05"]])
    }

    @Test func aSparklineHasNoAxesOrLabels() {
        let chart = Chart(kind: .sparkline, title: "Trend", categories: days, series: [ChartSeries(name: "s", values: [3, 1, 2])])
        let svg = chart.svg(id: "spark")
        #expect(!svg.contains("class=\"axis\""))
        #expect(!svg.contains("<circle"))
        #expect(svg.contains("viewBox=\"0 0 120 32\""))
    }

    @Test func anEmptyChartStillDrawsAnAxis() {
        let svg = Chart(kind: .line, title: "Nothing yet", categories: [], series: []).svg(id: "e")
        #expect(svg.contains("class=\"baseline\""))
    }

    @Test func categoryLabelsThinOutButKeepTheFirstAndLast() {
        #expect(ChartDrawing.labelledIndices(count: 3) == [0, 1, 2])
        let thirty = ChartDrawing.labelledIndices(count: 30)
        #expect(thirty.first == 0 && thirty.last == 29 && thirty.count <= 7)
        #expect(zip(thirty, thirty.dropFirst()).allSatisfy { $1 - $0 >= 5 }, "no two labels closer than the regular spacing: \(thirty)")
    }

    @Test func theAxisCoversTheDataAndZeroWithNiceSteps() async {
        await propertyCheck(count: 400, input: Gen.int64(in: -5_000_000_000...5_000_000_000).array(of: 1...40)) { values in
            let scale = AxisScale(values: values)
            #expect(scale.low <= min(values.min()!, 0))
            #expect(scale.high >= max(values.max()!, 0))
            #expect(scale.low % scale.step == 0 && scale.high % scale.step == 0)
            var mantissa = scale.step
            while mantissa % 10 == 0 { mantissa /= 10 }
            #expect([1, 2, 5].contains(mantissa), "step \(scale.step)")
            #expect(scale.ticks.count >= 2 && scale.ticks.count <= 12, "\(scale.ticks.count) ticks for \(values)")
        }
    }

    private func rectangles(_ svg: String) -> [(y: Double, width: Double, height: Double)] {
        svg.components(separatedBy: "<rect ").dropFirst().compactMap { tag in
            func attribute(_ name: String) -> Double? {
                guard let range = tag.range(of: " \(name)=\"") ?? (tag.hasPrefix("\(name)=\"") ? tag.range(of: "\(name)=\"") : nil) else { return nil }
                return Double(tag[range.upperBound...].prefix { $0 != "\"" })
            }
            guard let y = attribute("y"), let width = attribute("width"), let height = attribute("height") else { return nil }
            return (y, width, height)
        }
    }
}

private extension String {
    init(format2 value: Int64) { self = value < 10 ? "0\(value)" : "\(value)" }
}
