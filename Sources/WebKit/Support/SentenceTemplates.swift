import Foundation

/// English sentences with `{name}` placeholders, each with a catalogue key: a text a
/// slice wrote in English is matched against them (anchored, first match wins) and
/// rewritten in the reader's language with its placeholders' values carried over, so
/// the translation can put them in its own word order.
package struct SentenceTemplates: Sendable {
    private struct Compiled: @unchecked Sendable {
        let regex: NSRegularExpression
        let names: [String]
        let key: String
    }

    private let compiled: [Compiled]

    package init(_ templates: [(english: String, key: String)]) {
        compiled = templates.compactMap { template in
            let names = Self.placeholders(template.english)
            var pattern = NSRegularExpression.escapedPattern(for: template.english)
            for name in names { pattern = pattern.replacingOccurrences(of: NSRegularExpression.escapedPattern(for: "{\(name)}"), with: "(.+?)") }
            guard let regex = try? NSRegularExpression(pattern: "^" + pattern + "$", options: [.dotMatchesLineSeparators]) else { return nil }
            return Compiled(regex: regex, names: names, key: template.key)
        }
    }

    /// The key of the first template `text` matches, with the value of each placeholder.
    package func match(_ text: String) -> (key: String, values: [String: String])? {
        for template in compiled {
            guard let match = template.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { continue }
            var values: [String: String] = [:]
            for (index, name) in template.names.enumerated() {
                if let range = Range(match.range(at: index + 1), in: text) { values[name] = String(text[range]) }
            }
            return (template.key, values)
        }
        return nil
    }

    /// `text` in the catalogue's words, each value passed through `value` first; nil when
    /// no template matches or the catalogue lacks the key.
    package func translate(_ text: String, _ t: (String) -> String, value: (String, String) -> String = { _, value in value }) -> String? {
        guard let (key, values) = match(text) else { return nil }
        var translated = t(key)
        guard translated != key else { return nil }
        for (name, found) in values { translated = translated.replacingOccurrences(of: "{\(name)}", with: value(name, found)) }
        return translated
    }

    /// The placeholders of a template, in order.
    package static func placeholders(_ text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: #"\{([a-z]+)\}"#) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
