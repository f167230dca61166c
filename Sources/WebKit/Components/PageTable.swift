/// The data table component (`component_table`): typed cells, a header that says
/// which columns sort, keyset paging links, and an export link for the filtered list.
package struct PageTable {
    package var name = ""
    /// Read by screen readers before the table; optional visually.
    package var caption = ""
    package var columns: [PageColumn]
    package var rows: [PageRow]
    package var empty = "—"
    /// Links to the newer and older pages of a keyset-paged list.
    package var pager: PagePager? = nil
    /// The CSV of what the filters select.
    package var export: (href: String, label: String)? = nil

    package init(name: String = "", caption: String = "", columns: [PageColumn], rows: [PageRow], empty: String = "—",
                 pager: PagePager? = nil, export: (href: String, label: String)? = nil) {
        self.name = name
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.empty = empty
        self.pager = pager
        self.export = export
    }

    /// Plain-text rows, as pages built them before cells were typed.
    package init(name: String = "", columns: [String], rows: [(cells: [String], link: (href: String, label: String)?)], empty: String = "—") {
        self.init(name: name, columns: columns.map { PageColumn($0) },
                  rows: rows.map { PageRow(cells: $0.cells.map { .text($0) }, link: $0.link) }, empty: empty)
    }

    /// A column is numeric when every filled cell in it is a quantity.
    private func numericColumns() -> [Bool] {
        columns.indices.map { index in
            let cells = rows.compactMap { index < $0.cells.count ? $0.cells[index] : nil }.filter {
                if case .empty = $0 { return false }
                return true
            }
            return !cells.isEmpty && cells.allSatisfy(\.isNumeric)
        }
    }

    package func data(_ format: PageFormat) -> [String: Any] {
        let numeric = numericColumns()
        let hasLinks = rows.contains { $0.link != nil }
        let hasActions = rows.contains { !$0.actions.isEmpty }
        return [
            "name": Mustache.optional(name), "caption": Mustache.optional(caption), "empty": empty, "hasLinks": hasLinks, "hasActions": hasActions,
            "columnCount": columns.count + (hasLinks ? 1 : 0) + (hasActions ? 1 : 0),
            "columns": columns.enumerated().map { index, column in column.data(numeric: numeric[index]) },
            "rows": rows.map { $0.data(format, numeric: numeric) },
            "pager": pager?.data ?? false,
            "export": export.map { ["href": $0.href, "label": $0.label] } ?? false,
            "hasFooter": pager != nil || export != nil,
        ]
    }
}

/// A column header; `sort` makes it a link that orders the list by this column.
package struct PageColumn: ExpressibleByStringLiteral {
    package var label: String
    package var sort: PageSort? = nil

    package init(_ label: String, sort: PageSort? = nil) {
        self.label = label
        self.sort = sort
    }

    package init(stringLiteral value: String) { self.init(value) }

    func data(numeric: Bool) -> [String: Any] {
        ["label": label, "class": numeric ? "num" : "", "sort": sort?.data ?? false]
    }
}

/// The sort link of one column: where it leads and, when the list is sorted by this
/// column now, in which direction (for `aria-sort`).
package struct PageSort {
    package enum Direction: String { case ascending, descending }

    package var href: String
    package var current: Direction?

    package init(href: String, current: Direction? = nil) {
        self.href = href
        self.current = current
    }

    var data: [String: Any] {
        ["href": href, "ariaSort": current?.rawValue ?? false, "arrow": current.map { $0 == .ascending ? "▲" : "▼" } ?? ""]
    }
}

package struct PageRow {
    package var cells: [PageCell]
    package var link: (href: String, label: String)?
    /// Buttons that POST (with the page's CSRF token); `confirm` asks first.
    package var actions: [PageAction]

    package init(cells: [PageCell], link: (href: String, label: String)? = nil, actions: [PageAction] = []) {
        self.cells = cells
        self.link = link
        self.actions = actions
    }

    func data(_ format: PageFormat, numeric: [Bool]) -> [String: Any] {
        [
            "cellsHTML": cells.enumerated().map { index, cell in cell.html(format, numericColumn: index < numeric.count && numeric[index]) }.joined(),
            "link": link.map { ["href": $0.href, "label": $0.label] } ?? false,
            "actions": actions.map(\.data),
        ]
    }
}

/// A button that POSTs to `href`. With `confirm`, the button first opens a
/// confirmation step that names the consequence (no JavaScript needed).
package struct PageAction {
    package var href: String
    package var label: String
    package var confirm: String?
    package var fields: [(name: String, value: String)]

    package init(href: String, label: String, confirm: String? = nil, fields: [(name: String, value: String)] = []) {
        self.href = href
        self.label = label
        self.confirm = confirm
        self.fields = fields
    }

    package var data: [String: Any] {
        ["href": href, "label": label, "confirm": confirm ?? false, "danger": confirm != nil,
         "fields": fields.map { ["name": $0.name, "value": $0.value] }]
    }
}

/// Keyset paging: "newer" goes back towards the first page, "older" past the last row.
package struct PagePager {
    package var newer: (href: String, label: String)?
    package var older: (href: String, label: String)?
    package var summary: String

    package init(newer: (href: String, label: String)? = nil, older: (href: String, label: String)? = nil, summary: String = "") {
        self.newer = newer
        self.older = older
        self.summary = summary
    }

    var data: [String: Any] {
        ["newer": newer.map { ["href": $0.href, "label": $0.label] } ?? false,
         "older": older.map { ["href": $0.href, "label": $0.label] } ?? false, "summary": Mustache.optional(summary)]
    }
}
