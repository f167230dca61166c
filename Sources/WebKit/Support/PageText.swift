import Foundation
import Hummingbird

/// Microsecond timestamps as ISO 8601 text for pages and APIs.
package enum Timestamps {
    package static func iso(_ micros: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000)).formatted(.iso8601)
    }
}

/// A value placed in a link's query string.
package enum QueryText {
    package static func escaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension PageRenderer {
    /// A back-office list page: columns, rows (with an optional link or POST action
    /// per row), filter fields, an intro, one form and a "more" link, composed from
    /// the design system's components like every other page.
    package func adminTable(_ title: String, _ context: AppContext, columns: [String], rows: [[String: Any]], filters: [[String: String]] = [],
                            intro: String? = nil, form: [String: Any]? = nil, more: (href: String, label: String)? = nil) -> Response {
        let tableRows = rows.map { row -> PageRow in
            let cells = (row["cells"] as? [String] ?? []).map { PageCell.text($0) }
            let link = (row["link"] as? [String: String]).flatMap { link in link["href"].map { (href: $0, label: link["label"] ?? "") } }
            let actions = (row["action"] as? [String: String]).flatMap { action in
                action["href"].map { [PageAction(href: $0, label: action["label"] ?? "")] }
            } ?? []
            return PageRow(cells: cells, link: link, actions: actions)
        }
        var section = PageSection(table: PageTable(columns: columns.map { PageColumn($0) }, rows: tableRows, empty: text("nothing_yet", context)), more: more)
        if !filters.isEmpty {
            section.filters = PageFilters(fields: filters.map { PageField.input($0["name"] ?? "", $0["label"] ?? "", value: $0["value"] ?? "") },
                                          submit: text("filter", context))
        }
        var sections = [section]
        if let form, let action = form["action"] as? String, let submit = form["submit"] as? String {
            let fields = (form["fields"] as? [[String: String]] ?? []).map { PageField.input($0["name"] ?? "", $0["label"] ?? "", value: $0["value"] ?? "") }
            sections.insert(PageSection(forms: [PageForm(action: action, submit: submit, fields: fields)]), at: 0)
        }
        return self.sections(title, surface: .admin, context: context, intro: intro ?? "", sections)
    }

    /// The interface string `key` in the request's language.
    package func text(_ key: String, _ context: AppContext) -> String { services.localization.text(key, context.language) }
}
