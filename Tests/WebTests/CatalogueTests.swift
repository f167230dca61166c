import Foundation
import Testing

/// The string catalogue is complete: every language has every key, and every key a
/// template or a page names exists. (A missing key would show as the key itself.)
struct CatalogueTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func catalogue(_ language: String) throws -> [String: String] {
        let file = root.appendingPathComponent("Sources/WebKit/Resources/i18n/\(language).json")
        return try JSONDecoder().decode([String: String].self, from: Data(contentsOf: file))
    }

    @Test func everyLanguageHasEveryKeyAndNoEmptyText() throws {
        let english = try Self.catalogue("en")
        for language in ["es", "ar"] {
            let other = try Self.catalogue(language)
            #expect(Set(other.keys).subtracting(english.keys).sorted() == [], "\(language) has keys English lacks")
            #expect(Set(english.keys).subtracting(other.keys).sorted() == [], "\(language) lacks keys")
            #expect(other.filter { $0.value.trimmingCharacters(in: .whitespaces).isEmpty }.keys.sorted() == [], "\(language): empty texts")
        }
    }

    @Test func everyKeyATemplateOrAPageNamesExists() throws {
        let keys = Set(try Self.catalogue("en").keys)
        var named: [(file: String, key: String)] = []
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let templateKey = try Regex(#"\{\{[#^/]?t\.([a-z0-9_]+)\}\}"#)
        let codeKey = try Regex(#"(?:\bt|\btext|renderer\.text|label:)\(?\s*"([a-z0-9]+(?:_[a-z0-9]+)+)""#)
        // Pages live in the `…Web` modules, WebKit and App; stores name columns, not strings.
        let pages = files.filter { file in file.pathComponents.contains { $0.hasSuffix("Web") || $0 == "WebKit" || $0 == "App" } }
        for file in pages where file.pathExtension == "mustache" || file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            let regex = file.pathExtension == "mustache" ? templateKey : codeKey
            for match in text.matches(of: regex) {
                if let key = match.output[1].substring { named.append((file.lastPathComponent, String(key))) }
            }
        }
        #expect(named.count > 100, "the scan found the keys pages use")
        let missing = named.filter { !keys.contains($0.key) }.map { "\($0.file): \($0.key)" }
        #expect(missing == [], "keys missing from the catalogue")
    }

    /// Every action the audit trail records has a label: the trail shows actions by name.
    @Test func everyAuditedActionHasALabel() throws {
        let keys = Set(try Self.catalogue("en").keys)
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let action = try Regex(#"(?:entry\(|recordAction\(|\? |: )"([a-z_]+\.[a-z_]+)""#)
        var actions: Set<String> = []
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: action) where text[match.range].contains("entry(") || text.contains("AuditLog") || text.contains("recordAction") {
                if let name = match.output[1].substring { actions.insert(String(name)) }
            }
        }
        #expect(actions.count > 30 && actions.contains("trading_account.opened"), "the scan found the audited actions: \(actions.count)")
        let missing = actions.filter { !keys.contains("audit_action_" + $0.replacingOccurrences(of: ".", with: "_")) }.sorted()
        #expect(missing == [], "audited actions without a label")
    }

    /// Templates hold markup and catalogue keys only: every word a person reads comes
    /// from the catalogue (`{{t.key}}`) or from the page's data.
    @Test func templatesHoldNoTextOutsideTheCatalogue() throws {
        let folder = Self.root.appendingPathComponent("Sources/WebKit/Resources/templates")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).filter { $0.pathExtension == "mustache" }
        #expect(files.count > 10)
        var literals: [String] = []
        for file in files {
            var text = try String(contentsOf: file, encoding: .utf8)
            for pattern in [#"\{\{![\s\S]*?\}\}"#, #"<(script|style)[\s\S]*?</\1>"#, #"\{\{[^}]*\}\}"#, #"<[^>]*>"#, #"&[a-z#0-9]+;"#] {
                text = text.replacing(try Regex(pattern), with: " ")
            }
            let words = text.split(whereSeparator: { !$0.isLetter }).filter { $0.count > 1 && $0 != "Pipstack" }
            if !words.isEmpty { literals.append("\(file.lastPathComponent): \(words.prefix(8).joined(separator: " "))") }
        }
        #expect(literals == [], "text in templates that is not from the catalogue")
    }
}
