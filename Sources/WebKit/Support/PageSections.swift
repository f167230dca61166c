import Hummingbird
import Platform

/// Pages built from sections (facts, a table, forms) rendered by `sections.mustache`.
/// Every key the template reads is always set, so a section never shows a value
/// that Mustache found further up the context.
package struct PageSection {
    package var id = ""
    package var heading = ""
    package var intro = ""
    package var facts: [(label: String, value: String, name: String)] = []
    package var secrets: (note: String, items: [(label: String, value: String, name: String)])? = nil
    package var table: PageTable? = nil
    package var forms: [PageForm] = []
    package var more: (href: String, label: String)? = nil

    package init(id: String = "", heading: String = "", intro: String = "", facts: [(label: String, value: String, name: String)] = [],
                 secrets: (note: String, items: [(label: String, value: String, name: String)])? = nil, table: PageTable? = nil,
                 forms: [PageForm] = [], more: (href: String, label: String)? = nil) {
        self.id = id
        self.heading = heading
        self.intro = intro
        self.facts = facts
        self.secrets = secrets
        self.table = table
        self.forms = forms
        self.more = more
    }

    package var data: [String: Any] {
        [
            "id": id, "heading": heading, "intro": intro, "hasFacts": !facts.isEmpty,
            "facts": facts.map { ["label": $0.label, "value": $0.value, "name": $0.name] },
            "secrets": secrets.map { secrets -> [String: Any] in
                ["secretsNote": secrets.note, "items": secrets.items.map { ["label": $0.label, "value": $0.value, "name": $0.name] }]
            } ?? false,
            "table": table?.data ?? false,
            "forms": forms.map(\.data),
            "more": more.map { ["href": $0.href, "label": $0.label] } ?? false,
        ]
    }
}

package struct PageTable {
    package var name = ""
    package var columns: [String]
    package var rows: [(cells: [String], link: (href: String, label: String)?)]
    package var empty = "—"

    package init(name: String = "", columns: [String], rows: [(cells: [String], link: (href: String, label: String)?)], empty: String = "—") {
        self.name = name
        self.columns = columns
        self.rows = rows
        self.empty = empty
    }

    package var data: [String: Any] {
        [
            "name": name, "columns": columns, "empty": empty, "hasLinks": rows.contains { $0.link != nil },
            "rows": rows.map { row -> [String: Any] in
                ["cells": row.cells, "link": row.link.map { ["href": $0.href, "label": $0.label] } ?? false]
            },
        ]
    }
}

package struct PageForm {
    package var name = ""
    package var action: String
    package var submit: String
    package var fields: [PageField]

    package init(name: String = "", action: String, submit: String, fields: [PageField]) {
        self.name = name
        self.action = action
        self.submit = submit
        self.fields = fields
    }

    package var data: [String: Any] { ["name": name, "action": action, "submit": submit, "fields": fields.map(\.data)] }
}

package struct PageField {
    package enum Kind { case input(type: String), select([(value: String, label: String)]), checkbox, textarea, hidden }

    package var kind: Kind
    package var name: String
    package var label: String
    package var value = ""
    package var required = false
    package var pattern = ""
    package var step = ""
    package var hint = ""

    package init(kind: Kind, name: String, label: String, value: String = "", required: Bool = false, pattern: String = "",
                 step: String = "", hint: String = "") {
        self.kind = kind
        self.name = name
        self.label = label
        self.value = value
        self.required = required
        self.pattern = pattern
        self.step = step
        self.hint = hint
    }

    package static func input(_ name: String, _ label: String, value: String = "", type: String = "text", required: Bool = false,
                      pattern: String = "", step: String = "", hint: String = "") -> PageField {
        PageField(kind: .input(type: type), name: name, label: label, value: value, required: required, pattern: pattern, step: step, hint: hint)
    }

    package static func select(_ name: String, _ label: String, options: [(value: String, label: String)], selected: String, hint: String = "") -> PageField {
        PageField(kind: .select(options), name: name, label: label, value: selected, required: true, hint: hint)
    }

    package static func checkbox(_ name: String, _ label: String, checked: Bool) -> PageField {
        PageField(kind: .checkbox, name: name, label: label, value: checked ? "yes" : "")
    }

    package var data: [String: Any] {
        var data: [String: Any] = [
            "name": name, "label": label, "value": value, "required": required, "pattern": pattern, "step": step, "hint": hint,
            "isSelect": false, "isCheckbox": false, "isTextarea": false, "isHidden": false, "isInput": false, "type": "text",
            "options": [Any](), "checked": false,
        ]
        switch kind {
        case let .input(type):
            data["isInput"] = true
            data["type"] = type
        case let .select(options):
            data["isSelect"] = true
            data["options"] = options.map { ["value": $0.value, "label": $0.label, "selected": $0.value == value] as [String: Any] }
        case .checkbox:
            data["isCheckbox"] = true
            data["checked"] = value == "yes"
        case .textarea: data["isTextarea"] = true
        case .hidden: data["isHidden"] = true
        }
        return data
    }
}

extension PageRenderer {
    package func sections(_ title: String, surface: Surface, context: AppContext, intro: String = "", error: String? = nil, flash: String? = nil,
                  status: HTTPResponse.Status = .ok, _ sections: [PageSection]) -> Response {
        var data: [String: Any] = ["pageIntro": intro, "sections": sections.map(\.data)]
        if let error { data["error"] = error }
        if let flash { data["flash"] = flash }
        return render("sections", title: title, surface: surface, context: context, status: status, data: data)
    }
}
