import BrokerCore
import Foundation
import Platform

/// The interface strings in every shipped language, loaded from `i18n/*.json`.
/// A missing key falls back to English, then to the key itself.
public struct Localization: Sendable {
    public let strings: [Language: [String: String]]
    /// Each language's table with English under it, merged once: every page needs one.
    private let tables: [Language: [String: String]]

    public init(folder: URL) throws {
        var strings: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let data = try Data(contentsOf: folder.appendingPathComponent("\(language.rawValue).json"))
            strings[language] = try JSONDecoder().decode([String: String].self, from: data)
        }
        self.strings = strings
        let english = strings[.en] ?? [:]
        tables = strings.mapValues { english.merging($0) { _, localized in localized } }
    }

    public func table(_ language: Language) -> [String: String] {
        tables[language] ?? strings[.en] ?? [:]
    }

    public func text(_ key: String, _ language: Language) -> String {
        strings[language]?[key] ?? strings[.en]?[key] ?? key
    }
}
