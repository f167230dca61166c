import Foundation

/// A form sent back after a refusal keeps what the person typed, and shows the refusal
/// next to the field it names, so nobody types a whole form again for one wrong value.
extension PageForm {
    /// Whether this form is the one `submitted` came from: it posts to `path` and its
    /// hidden fields (which tell forms with one action apart) hold what was sent.
    func sent(_ submitted: FormFields, to path: String) -> Bool {
        guard !submitted.values.isEmpty, action.split(separator: "?").first.map(String.init) == path else { return false }
        return fields.allSatisfy { field in
            guard case .hidden = field.kind else { return true }
            return submitted[field.name] == nil || submitted[field.name] == field.value
        }
    }

    /// The form with the sent values, passwords left out, and `refusal` on the field
    /// whose label it starts with (`RefusalText` writes "Label: reason").
    func sentBack(_ submitted: FormFields, refusal: String, label: (String) -> String?) -> PageForm {
        var form = self
        for index in form.fields.indices {
            let field = form.fields[index]
            switch field.kind {
            case .hidden: continue
            case .input(type: "password"): continue
            case .checkbox: form.fields[index].value = (submitted[field.name] ?? "").isEmpty ? "" : "yes"
            default: if let sent = submitted[field.name] { form.fields[index].value = sent }
            }
            if let label = label(field.name), refusal.hasPrefix(label + ": ") {
                form.fields[index].error = String(refusal.dropFirst(label.count + 2))
            }
        }
        return form
    }
}

extension PageSection {
    /// The section with the form that was sent (if it is here) sent back.
    func sentBack(_ submitted: FormFields, to path: String, refusal: String, label: (String) -> String?) -> PageSection {
        var section = self
        section.forms = forms.map { $0.sent(submitted, to: path) ? $0.sentBack(submitted, refusal: refusal, label: label) : $0 }
        return section
    }
}
