import Charts

/// A table row's cells written straight to HTML. `component_table` used to spell each
/// cell out in Mustache, and looking up a cell's eight keys through Mustache's untyped
/// context cost more than half of a list page's time; the markup is the same, and every
/// text is escaped as Mustache escapes it.
extension PageCell {
    package func html(_ format: PageFormat, numericColumn: Bool) -> String {
        let data = self.data(format)
        var cssClass = data["class"] as? String ?? ""
        if numericColumn, cssClass.isEmpty { cssClass = "num" }
        var out = "<td class=\"\(HTML.escaped(cssClass))\">"
        let text = HTML.escaped(data["text"] as? String ?? "")
        let title = (data["title"] as? String).map { "title=\"\(HTML.escaped($0))\"" } ?? ""
        if case let .badge(badge) = self {
            out += "<span class=\"badge tone-\(badge.tone.rawValue)\">\(HTML.escaped(badge.label))</span>"
        } else {
            if let href = data["href"] as? String {
                out += "<a href=\"\(HTML.escaped(href))\">\(text)</a>"
            } else if let datetime = data["datetime"] as? String {
                out += "<time datetime=\"\(HTML.escaped(datetime))\" \(title)>\(text)</time>"
            } else if data["code"] as? Bool == true {
                out += "<code>\(text)</code>"
            } else if data["bdi"] as? Bool == true {
                out += "<bdi \(title)>\(text)</bdi>"
            } else {
                out += text
            }
            if let sub = data["sub"] as? String {
                out += "<span class=\"sub\" translate=\"no\">\(HTML.escaped(sub))</span>"
            }
        }
        return out + "</td>"
    }
}

/// HTML text escaping, the same five characters Mustache's `{{ }}` escapes: the one
/// escaper the chart module already uses for its SVG.
package enum HTML {
    package static func escaped(_ text: String) -> String { SVGText.escaped(text) }
}
