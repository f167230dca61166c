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
    package var tiles: [PageTile] = []
    package var charts: [PageChart] = []
    package var actions: [PageAction] = []
    package var filters: PageFilters? = nil
    /// Links between the pages of one thing (`component_tabs`), the current one marked.
    package var tabs: [(href: String, label: String, current: Bool)] = []

    package init(id: String = "", heading: String = "", intro: String = "", facts: [(label: String, value: String, name: String)] = [],
                 secrets: (note: String, items: [(label: String, value: String, name: String)])? = nil, table: PageTable? = nil,
                 forms: [PageForm] = [], more: (href: String, label: String)? = nil, tiles: [PageTile] = [], charts: [PageChart] = [],
                 actions: [PageAction] = [], filters: PageFilters? = nil) {
        self.id = id
        self.heading = heading
        self.intro = intro
        self.facts = facts
        self.secrets = secrets
        self.table = table
        self.forms = forms
        self.more = more
        self.tiles = tiles
        self.charts = charts
        self.actions = actions
        self.filters = filters
    }

    package func data(_ format: PageFormat) -> [String: Any] {
        [
            "hasTiles": !tiles.isEmpty, "tiles": tiles.map { $0.data(format) },
            "hasTabs": !tabs.isEmpty, "tabs": tabs.map { ["href": $0.href, "label": $0.label, "current": $0.current] as [String: Any] },
            "filters": filters?.data ?? false,
            "charts": charts.map(\.data), "actions": actions.map(\.data), "hasActions": !actions.isEmpty,
            "id": Mustache.optional(id), "heading": Mustache.optional(heading), "intro": Mustache.optional(intro),
            "labelledBy": id.isEmpty || heading.isEmpty ? false : "\(id)-heading",
            "hasFacts": !facts.isEmpty,
            "facts": facts.map { ["label": $0.label, "value": $0.value, "name": Mustache.optional($0.name)] },
            "secrets": secrets.map { secrets -> [String: Any] in
                ["secretsNote": secrets.note, "items": secrets.items.map { ["label": $0.label, "value": $0.value, "name": $0.name] }]
            } ?? false,
            "table": table?.data(format) ?? false,
            "forms": forms.map(\.data),
            "more": more.map { ["href": $0.href, "label": $0.label] } ?? false,
        ]
    }
}

/// Mustache renders a section for any string, the empty one included: optional
/// text goes in as `false` when empty, so `{{#intro}}…{{/intro}}` shows nothing.
package enum Mustache {
    package static func optional(_ text: String) -> Any { text.isEmpty ? false : text }
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

    /// The fields in error, for the summary at the top of the form: each links to its field.
    package var data: [String: Any] {
        let prefix = "f-\(name.isEmpty ? "form" : name)-"
        let errors = fields.filter { !$0.error.isEmpty }.map { ["href": "#\(prefix)\($0.name)", "text": "\($0.label): \($0.error)"] }
        return ["name": Mustache.optional(name), "action": action, "submit": submit, "fields": fields.map { $0.data(idPrefix: prefix) },
                "errors": errors, "hasErrors": !errors.isEmpty]
    }
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
    /// What is wrong with the value, worded for the person who typed it; shown next to the field.
    package var error = ""

    package init(kind: Kind, name: String, label: String, value: String = "", required: Bool = false, pattern: String = "",
                 step: String = "", hint: String = "", error: String = "") {
        self.kind = kind
        self.name = name
        self.label = label
        self.value = value
        self.required = required
        self.pattern = pattern
        self.step = step
        self.hint = hint
        self.error = error
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

    package func data(idPrefix: String) -> [String: Any] {
        var data: [String: Any] = [
            "id": idPrefix + name, "error": error, "hasError": !error.isEmpty,
            "name": name, "label": label, "value": value, "required": required, "pattern": Mustache.optional(pattern),
            "step": Mustache.optional(step), "hint": Mustache.optional(hint),
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
        let format = self.format(context)
        var sections = sections
        if let error, status.code >= 400 {
            // A refused form comes back as it was sent, the refusal next to its field.
            let label = { (name: String) -> String? in
                let key = "field_" + name
                let text = self.text(key, context)
                return text == key ? nil : text
            }
            sections = sections.map { $0.sentBack(context.form, to: context.path, refusal: error, label: label) }
        }
        var data: [String: Any] = ["pageIntro": Mustache.optional(intro), "sections": sections.map { $0.data(format) }]
        if let error { data["error"] = error }
        if let flash { data["flash"] = flash }
        return render("sections", title: title, surface: surface, context: context, status: status, data: data)
    }
}
