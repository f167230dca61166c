/// The filters above a list (`component_filters`): real controls sent with GET, so
/// a filtered list has an address a person can bookmark or export.
package struct PageFilters {
    package var fields: [PageField]
    package var submit: String
    package var reset: (href: String, label: String)?

    package init(fields: [PageField], submit: String, reset: (href: String, label: String)? = nil) {
        self.fields = fields
        self.submit = submit
        self.reset = reset
    }

    package var data: [String: Any] {
        ["fields": fields.map { $0.data(idPrefix: "filter-") }, "submit": submit,
         "reset": reset.map { ["href": $0.href, "label": $0.label] } ?? false]
    }
}
