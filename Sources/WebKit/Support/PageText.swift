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
    /// A back-office list page from `table.mustache`: columns, rows (with optional
    /// link or action per row), filter fields, an intro, one form and a "more" link.
    package func adminTable(_ title: String, _ context: AppContext, columns: [String], rows: [[String: Any]], filters: [[String: String]] = [],
                            intro: String? = nil, form: [String: Any]? = nil, more: (href: String, label: String)? = nil) -> Response {
        var data: [String: Any] = ["columns": columns, "rows": rows, "filters": filters, "hasFilters": !filters.isEmpty,
                                   "hasActions": rows.contains { $0["action"] != nil }, "hasLinks": rows.contains { $0["link"] != nil }]
        if let intro { data["intro"] = intro }
        if let form { data["form"] = form }
        if let more { data["more"] = ["href": more.href, "label": more.label] }
        return render("table", title: title, surface: .admin, context: context, data: data)
    }

    /// The interface string `key` in the request's language.
    package func text(_ key: String, _ context: AppContext) -> String { services.localization.text(key, context.language) }
}
