/// A chart drawn on the server as SVG: no JavaScript, a title and a description for
/// screen readers, and the same numbers as a table beside it (`ChartTable`).
///
/// Values are exact integers in the caller's unit (minor units, lots × 100, counts);
/// only the drawing turns them into coordinates. Labels are text the caller formats
/// for the reader's locale, so the chart never formats a number itself.
public struct Chart: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case line, bar, stackedBar, sparkline }

    public var kind: Kind
    /// Short title, read first by a screen reader and shown as the figure's caption.
    public var title: String
    /// One sentence saying what the chart shows, for the accessible description.
    public var summary: String
    /// The x-axis: one label per point, in order (days, months, names).
    public var categories: [String]
    public var series: [ChartSeries]
    /// Formats a value for the axis and the table, in the reader's locale.
    public var valueLabel: @Sendable (Int64) -> String

    public init(kind: Kind, title: String, summary: String = "", categories: [String], series: [ChartSeries],
                valueLabel: @escaping @Sendable (Int64) -> String = { String($0) }) {
        self.kind = kind
        self.title = title
        self.summary = summary
        self.categories = categories
        self.series = series
        self.valueLabel = valueLabel
    }

    public static func == (lhs: Chart, rhs: Chart) -> Bool {
        lhs.kind == rhs.kind && lhs.title == rhs.title && lhs.summary == rhs.summary && lhs.categories == rhs.categories
            && lhs.series == rhs.series
    }

    /// The SVG markup, ready to place in a page as it is (every text in it is escaped).
    /// `id` makes the title and description ids unique on a page with several charts.
    public func svg(id: String) -> String {
        ChartDrawing(chart: self, id: SVGText.identifier(id)).svg()
    }

    /// The numbers behind the chart: one row per category, one column per series
    /// (plus a total column for stacked bars).
    public var table: ChartTable { ChartTable(chart: self) }
}

/// One named run of values, one per category; a missing value is drawn as a gap.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var values: [Int64?]

    public init(name: String, values: [Int64?]) {
        self.name = name
        self.values = values
    }
}

/// The chart's numbers as a table, formatted with the chart's own labels.
public struct ChartTable: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[String]]

    init(chart: Chart) {
        let total = chart.kind == .stackedBar && chart.series.count > 1
        var columns = [""] + chart.series.map(\.name)
        if total { columns.append("Σ") }
        self.columns = columns
        rows = chart.categories.indices.map { index in
            let values = chart.series.map { index < $0.values.count ? $0.values[index] : nil }
            var row = [chart.categories[index]] + values.map { $0.map(chart.valueLabel) ?? "—" }
            if total { row.append(chart.valueLabel(values.reduce(0) { $0 + ($1 ?? 0) })) }
            return row
        }
    }
}
