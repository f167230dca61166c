import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Platform

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
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Create a brand or change one (only the options given change). Running servers pick it up within 30 seconds.")
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

        func run() async throws {
            guard BrandChanges.isValidID(id) else { throw ValidationError("id: 1 to 64 of a-z, 0-9, _ and -") }
            let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: Runtime.logger())
            let store = BrandStore(db: db)
            let existing = try await store.all()
            let current = existing.first { $0.id.rawValue == id } ?? BrandChanges.blank(id: BrandID(id), isFirst: existing.isEmpty)
            let changes = BrandChanges(name: name, domains: domains, languages: languages, defaultLanguage: defaultLanguage,
                                       primaryColor: primaryColor, accentColor: accentColor, logoURL: logoURL, legalFooter: legalFooter,
                                       makeDefault: makeDefault ? true : nil)
            let brand: Brand
            do { brand = try changes.applied(to: current) } catch {
                await db.close()
                throw ValidationError(error.description)
            }
            try await store.save(brand, replacingDefault: makeDefault, now: SystemClock().nowMicros(), audit: AuditContext(actor: "cli"))
            await db.close()
            print("saved brand \(brand.id): \(brand.name) on \(brand.domains.joined(separator: ", "))")
        }
    }
}
