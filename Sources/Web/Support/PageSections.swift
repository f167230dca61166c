import Hummingbird
import Platform

/// Pages built from sections (facts, a table, forms) rendered by `sections.mustache`.
/// Every key the template reads is always set, so a section never shows a value
/// that Mustache found further up the context.
struct PageSection {
    var id = ""
    var heading = ""
    var intro = ""
    var facts: [(label: String, value: String, name: String)] = []
    var secrets: (note: String, items: [(label: String, value: String, name: String)])? = nil
    var table: PageTable? = nil
    var forms: [PageForm] = []
    var more: (href: String, label: String)? = nil

    var data: [String: Any] {
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

struct PageTable {
    var name = ""
    var columns: [String]
    var rows: [(cells: [String], link: (href: String, label: String)?)]
    var empty = "—"

    var data: [String: Any] {
        [
            "name": name, "columns": columns, "empty": empty, "hasLinks": rows.contains { $0.link != nil },
            "rows": rows.map { row -> [String: Any] in
                ["cells": row.cells, "link": row.link.map { ["href": $0.href, "label": $0.label] } ?? false]
            },
        ]
    }
}

struct PageForm {
    var name = ""
    var action: String
    var submit: String
    var fields: [PageField]

    var data: [String: Any] { ["name": name, "action": action, "submit": submit, "fields": fields.map(\.data)] }
}

struct PageField {
    enum Kind { case input(type: String), select([(value: String, label: String)]), checkbox, textarea, hidden }

    var kind: Kind
    var name: String
    var label: String
    var value = ""
    var required = false
    var pattern = ""
    var step = ""
    var hint = ""

    static func input(_ name: String, _ label: String, value: String = "", type: String = "text", required: Bool = false,
                      pattern: String = "", step: String = "", hint: String = "") -> PageField {
        PageField(kind: .input(type: type), name: name, label: label, value: value, required: required, pattern: pattern, step: step, hint: hint)
    }

    static func select(_ name: String, _ label: String, options: [(value: String, label: String)], selected: String, hint: String = "") -> PageField {
        PageField(kind: .select(options), name: name, label: label, value: selected, required: true, hint: hint)
    }

    static func checkbox(_ name: String, _ label: String, checked: Bool) -> PageField {
        PageField(kind: .checkbox, name: name, label: label, value: checked ? "yes" : "")
    }

    var data: [String: Any] {
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
    func sections(_ title: String, surface: Surface, context: AppContext, intro: String = "", error: String? = nil, flash: String? = nil,
                  status: HTTPResponse.Status = .ok, _ sections: [PageSection]) -> Response {
        var data: [String: Any] = ["pageIntro": intro, "sections": sections.map(\.data)]
        if let error { data["error"] = error }
        if let flash { data["flash"] = flash }
        return render("sections", title: title, surface: surface, context: context, status: status, data: data)
    }
}
