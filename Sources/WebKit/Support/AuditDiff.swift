import Foundation

/// What an audited change changed, field by field, from the before and after JSON
/// the audit trail keeps: pages show named fields with their old and new values
/// instead of the JSON.
package enum AuditDiff {
    package struct Change: Sendable, Equatable {
        package let field: String
        package let before: String?
        package let after: String?

        package init(field: String, before: String?, after: String?) {
            self.field = field
            self.before = before
            self.after = after
        }
    }

    /// The top-level fields whose values differ (added, removed or changed), by name.
    package static func changes(before: String, after: String) -> [Change] {
        let old = object(before), new = object(after)
        return Set(old.keys).union(new.keys).sorted().compactMap { field in
            old[field] == new[field] ? nil : Change(field: field, before: old[field], after: new[field])
        }
    }

    /// The changes as a table cell, `field: before → after` each: machine text, kept whole.
    package static func cell(before: String, after: String) -> PageCell {
        let changes = changes(before: before, after: after)
        return changes.isEmpty ? .empty : .code(changes.map { "\($0.field): \($0.before ?? "—") → \($0.after ?? "—")" }.joined(separator: "; "))
    }

    /// A JSON object's fields as text (nested values as compact JSON); anything else is no fields.
    static func object(_ json: String) -> [String: String] {
        guard let data = json.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            switch value {
            case let text as String: text
            case let number as NSNumber: number.stringValue
            case is NSNull: "null"
            default: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? ""
            }
        }
    }
}
