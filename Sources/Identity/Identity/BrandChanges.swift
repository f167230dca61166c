import BrokerCore
import Platform

/// Edits to a brand, each optional (nil leaves the field alone), validated
/// together, so the back-office form and `pipstack brand set` accept and refuse
/// exactly the same input.
public struct BrandChanges: Sendable, Equatable {
    public var name: String?
    /// Comma- or space-separated host names.
    public var domains: String?
    /// Comma-separated language codes.
    public var languages: String?
    public var defaultLanguage: String?
    public var primaryColor: String?
    public var accentColor: String?
    public var logoURL: String?
    public var legalFooter: String?
    public var makeDefault: Bool?

    public init(name: String? = nil, domains: String? = nil, languages: String? = nil, defaultLanguage: String? = nil,
                primaryColor: String? = nil, accentColor: String? = nil, logoURL: String? = nil, legalFooter: String? = nil,
                makeDefault: Bool? = nil) {
        self.name = name
        self.domains = domains
        self.languages = languages
        self.defaultLanguage = defaultLanguage
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.logoURL = logoURL
        self.legalFooter = legalFooter
        self.makeDefault = makeDefault
    }

    /// A new brand's starting point.
    public static func blank(id: BrandID, isFirst: Bool) -> Brand {
        Brand(id: id, name: id.rawValue, domains: [], theme: .init(primaryColor: "#1f4e79", accentColor: "#2e8b57", logoURL: ""),
              defaultLanguage: .en, languages: Language.allCases, legal: [:], isDefault: isFirst)
    }

    /// `brand` with these changes, or the first field that is wrong.
    public func applied(to brand: Brand) throws(BrandValidationError) -> Brand {
        var brand = brand
        if let name {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard (1...100).contains(trimmed.count) else { throw .init(field: "name", message: "1 to 100 characters") }
            brand.name = trimmed
        }
        if let domains {
            let hosts = domains.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map { $0.lowercased() }
            for host in hosts where !Self.isHostName(host) {
                throw .init(field: "domains", message: "\(host.prefix(80)) is not a host name")
            }
            brand.domains = hosts
        }
        if let languages {
            var chosen: [Language] = []
            for code in languages.split(whereSeparator: { $0 == "," || $0 == " " }) {
                guard let language = Language(rawValue: String(code)) else {
                    throw .init(field: "languages", message: "unknown language \(code.prefix(10)); Pipstack ships en, es, ar")
                }
                if !chosen.contains(language) { chosen.append(language) }
            }
            guard !chosen.isEmpty else { throw .init(field: "languages", message: "name at least one language") }
            brand.languages = chosen
        }
        if let defaultLanguage {
            guard let language = Language(rawValue: defaultLanguage), brand.languages.contains(language) else {
                throw .init(field: "default_language", message: "must be one of the brand's languages")
            }
            brand.defaultLanguage = language
        }
        if !brand.languages.contains(brand.defaultLanguage), let first = brand.languages.first { brand.defaultLanguage = first }
        if let primaryColor {
            guard Self.isColor(primaryColor) else { throw .init(field: "primary_color", message: "\(primaryColor.prefix(20)) is not a #rgb or #rrggbb color") }
            brand.theme.primaryColor = primaryColor
        }
        if let accentColor {
            guard Self.isColor(accentColor) else { throw .init(field: "accent_color", message: "\(accentColor.prefix(20)) is not a #rgb or #rrggbb color") }
            brand.theme.accentColor = accentColor
        }
        if let logoURL {
            let url = logoURL.trimmingCharacters(in: .whitespaces)
            guard url.isEmpty || ((url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")) && url.count <= 500
                                  && !url.contains(where: { $0 == "\"" || $0 == "<" || $0 == ">" || $0 == " " })) else {
                throw .init(field: "logo_url", message: "an http(s) URL or a path starting with /")
            }
            brand.theme.logoURL = url
        }
        if let legalFooter {
            guard legalFooter.count <= 2_000 else { throw .init(field: "legal_footer", message: "at most 2000 characters") }
            brand.legal["footer"] = legalFooter
        }
        if let makeDefault { brand.isDefault = makeDefault }
        return brand
    }

    /// Brand ids appear in URLs and audit records: 1-64 of a-z, 0-9, `_` and `-`.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    public static func isColor(_ text: String) -> Bool {
        guard text.hasPrefix("#"), [4, 7].contains(text.count) else { return false }
        return text.dropFirst().allSatisfy(\.isHexDigit)
    }

    static func isHostName(_ host: String) -> Bool {
        guard (1...253).contains(host.count) else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// A brand edit that was refused, naming the field.
public typealias BrandValidationError = FieldValidationError
