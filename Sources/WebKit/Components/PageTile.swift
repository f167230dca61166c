import Charts

/// A number at a glance (`component_tiles`), optionally with a sparkline of its trend
/// and a link to the page behind it.
package struct PageTile {
    package var label: String
    package var value: PageCell
    package var name: String
    package var href: String?
    package var trend: Chart?

    package init(_ label: String, _ value: PageCell, name: String = "", href: String? = nil, trend: Chart? = nil) {
        self.label = label
        self.value = value
        self.name = name
        self.href = href
        self.trend = trend
    }

    func data(_ format: PageFormat) -> [String: Any] {
        let cell = value.data(format)
        return ["label": label, "value": cell["text"] ?? "", "badge": cell["badge"] ?? false, "name": name, "href": href ?? false,
                "spark": trend.map { $0.svg(id: "spark-\(name.isEmpty ? label : name)") } ?? false]
    }
}

/// A chart with its caption and, one click away, the same numbers as a table
/// (`component_chart`).
package struct PageChart {
    package var id: String
    package var chart: Chart
    /// The label of the disclosure that shows the numbers ("Show the numbers").
    package var tableLabel: String

    package init(id: String, chart: Chart, tableLabel: String) {
        self.id = id
        self.chart = chart
        self.tableLabel = tableLabel
    }

    package var data: [String: Any] {
        let table = chart.table
        return [
            "id": id, "title": chart.title, "summary": chart.summary, "svg": chart.svg(id: id), "tableLabel": tableLabel,
            "columns": table.columns.enumerated().map { index, label in ["label": label, "class": index == 0 ? "" : "num"] },
            // Written here rather than in Mustache: a page of charts has a hundred such rows.
            "rowsHTML": table.rows.map { row in
                "<tr>" + row.enumerated().map { index, text in "<td class=\"\(index == 0 ? "nowrap" : "num")\"><bdi>\(HTML.escaped(text))</bdi></td>" }.joined() + "</tr>"
            }.joined(),
        ]
    }
}
