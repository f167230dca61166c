import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Storage

/// Brands: the storefronts a broker runs, each chosen by the host name it is served on.
struct BrandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "brand", abstract: "List and configure brands.", subcommands: [List.self, Set.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the brands as JSON.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: Runtime.logger())
            let brands = try await BrandStore(db: db).all()
            await db.close()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(brands), as: UTF8.self))
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Create a brand or change one (only the options given change). Restart serve to apply.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Brand id, e.g. brand_eu.") var id: String
        @Option(help: "Display name.") var name: String?
        @Option(help: "Comma-separated host names that select this brand.") var domains: String?
        @Option(help: "Comma-separated languages offered (en, es, ar).") var languages: String?
        @Option(name: .customLong("default-language"), help: "Language shown when none is asked for.") var defaultLanguage: String?
        @Option(name: .customLong("primary-color"), help: "CSS color of the top bar, e.g. #1f4e79.") var primaryColor: String?
        @Option(name: .customLong("accent-color"), help: "CSS color of buttons.") var accentColor: String?
        @Option(name: .customLong("logo-url"), help: "Logo image URL.") var logoURL: String?
        @Option(name: .customLong("legal-footer"), help: "Risk warning shown in every page's footer.") var legalFooter: String?
        @Flag(name: .customLong("default"), help: "Serve this brand for hosts no brand claims.") var makeDefault = false

        func validate() throws {
            for color in [primaryColor, accentColor].compactMap({ $0 }) where !BrandCommand.isColor(color) {
                throw ValidationError("\(color) is not a #rgb or #rrggbb color")
            }
            if let languages, try BrandCommand.languages(languages).isEmpty { throw ValidationError("name at least one language") }
        }

        func run() async throws {
            let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: Runtime.logger())
            let store = BrandStore(db: db)
            let existing = try await store.all()
            var brand = existing.first { $0.id.rawValue == id }
                ?? Brand(id: BrandID(id), name: id, domains: [], theme: .init(primaryColor: "#1f4e79", accentColor: "#2e8b57", logoURL: ""),
                         defaultLanguage: .en, languages: Language.allCases, legal: [:], isDefault: existing.isEmpty)
            if let name { brand.name = name }
            if let domains { brand.domains = domains.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
            if let languages { brand.languages = try BrandCommand.languages(languages) }
            if let defaultLanguage {
                guard let language = Language(rawValue: defaultLanguage), brand.languages.contains(language) else {
                    throw ValidationError("default language must be one of the brand's languages")
                }
                brand.defaultLanguage = language
            }
            if !brand.languages.contains(brand.defaultLanguage) { brand.defaultLanguage = brand.languages[0] }
            if let primaryColor { brand.theme.primaryColor = primaryColor }
            if let accentColor { brand.theme.accentColor = accentColor }
            if let logoURL { brand.theme.logoURL = logoURL }
            if let legalFooter { brand.legal["footer"] = legalFooter }
            let clock = SystemClock()
            if makeDefault {
                for var other in existing where other.isDefault && other.id != brand.id {
                    other.isDefault = false
                    try await store.save(other, now: clock.nowMicros(), audit: AuditContext(actor: "cli"))
                }
                brand.isDefault = true
            }
            try await store.save(brand, now: clock.nowMicros(), audit: AuditContext(actor: "cli"))
            await db.close()
            print("saved brand \(brand.id): \(brand.name) on \(brand.domains.joined(separator: ", "))")
        }
    }

    static func isColor(_ text: String) -> Bool {
        guard text.hasPrefix("#"), [4, 7].contains(text.count) else { return false }
        return text.dropFirst().allSatisfy(\.isHexDigit)
    }

    static func languages(_ text: String) throws -> [Language] {
        try text.split(separator: ",").map {
            guard let language = Language(rawValue: $0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown language \($0); Pipstack ships en, es, ar")
            }
            return language
        }
    }
}
