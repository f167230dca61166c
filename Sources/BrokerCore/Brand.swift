/// A storefront the broker runs: its own name, domains, look, languages and legal
/// texts. The brand of a request is chosen by its Host header.
public struct Brand: Sendable, Equatable, Codable {
    public var id: BrandID
    public var name: String
    public var domains: [String]
    public var theme: Theme
    public var defaultLanguage: Language
    public var languages: [Language]
    public var legal: [String: String]
    public var isDefault: Bool

    public init(id: BrandID, name: String, domains: [String], theme: Theme, defaultLanguage: Language,
                languages: [Language], legal: [String: String], isDefault: Bool) {
        self.id = id
        self.name = name
        self.domains = domains
        self.theme = theme
        self.defaultLanguage = defaultLanguage
        self.languages = languages
        self.legal = legal
        self.isDefault = isDefault
    }

    public struct Theme: Sendable, Equatable, Codable {
        public var primaryColor: String
        public var accentColor: String
        public var logoURL: String
        public init(primaryColor: String, accentColor: String, logoURL: String) {
            self.primaryColor = primaryColor
            self.accentColor = accentColor
            self.logoURL = logoURL
        }
    }

    /// The language to show: the requested one if this brand offers it, else the default.
    public func language(for requested: String?) -> Language {
        guard let requested, let language = Language(rawValue: requested), languages.contains(language) else {
            return defaultLanguage
        }
        return language
    }
}

/// The languages Pipstack ships strings for.
public enum Language: String, Sendable, Codable, CaseIterable {
    case en, es, ar

    public var isRightToLeft: Bool { self == .ar }
    public var nativeName: String {
        switch self {
        case .en: "English"
        case .es: "Español"
        case .ar: "العربية"
        }
    }
}

extension Brand {
    /// A legal text the broker wrote (`footer`, `partner_agreement`), in `language`
    /// when the broker gave one for it (`footer.ar`), else in the brand's default
    /// language, which the page then marks with `lang` so readers and tools know.
    public func legalText(_ key: String, in language: Language) -> (text: String, language: Language)? {
        if let own = legal["\(key).\(language.rawValue)"], !own.isEmpty { return (own, language) }
        if let text = legal[key], !text.isEmpty { return (text, defaultLanguage) }
        return nil
    }
}
