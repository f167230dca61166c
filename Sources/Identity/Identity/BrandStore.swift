import BrokerCore
import Foundation
import SQLKit
import Platform

/// Brands in the database, looked up by host.
public struct BrandStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public func all() async throws -> [Brand] {
        try await db.read { sql in try await sql.raw("SELECT * FROM brands ORDER BY name").all().map(Self.decode) }
    }

    /// Saves `brand`; with `replacingDefault` every other brand stops being the
    /// default, in the same transaction.
    public func save(_ brand: Brand, replacingDefault: Bool = false, now: Int64, audit: AuditContext) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let theme = String(decoding: try encoder.encode(brand.theme), as: UTF8.self)
        let legal = String(decoding: try encoder.encode(brand.legal), as: UTF8.self)
        let dialect = db.dialect
        let before = try await all().first { $0.id == brand.id }
        let beforeJSON = try before.map { String(decoding: try encoder.encode($0), as: UTF8.self) } ?? "{}"
        let afterJSON = String(decoding: try encoder.encode(brand), as: UTF8.self)
        try await db.transaction { sql in
            if replacingDefault {
                try await sql.raw("UPDATE brands SET is_default = 0 WHERE id <> \(bind: brand.id.rawValue)").run()
            }
            try await sql.raw("DELETE FROM brands WHERE id = \(bind: brand.id.rawValue)").run()
            try await sql.raw("""
                INSERT INTO brands (id, name, domains, theme_json, default_language, languages, legal_json, is_default, created_at)
                VALUES (\(bind: brand.id.rawValue), \(bind: brand.name), \(bind: brand.domains.joined(separator: ",")), \(bind: theme),
                        \(bind: brand.defaultLanguage.rawValue), \(bind: brand.languages.map(\.rawValue).joined(separator: ",")),
                        \(bind: legal), \(bind: brand.isDefault ? 1 : 0), \(bind: now))
                """).run()
            try await AuditLog.append(audit.entry("brand.save", entityType: "brand", entityID: brand.id.rawValue, before: beforeJSON, after: afterJSON),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    static func decode(_ row: any SQLRow) throws -> Brand {
        let decoder = JSONDecoder()
        return Brand(
            id: BrandID(try row.decode(column: "id", as: String.self)),
            name: try row.decode(column: "name", as: String.self),
            domains: try row.decode(column: "domains", as: String.self).split(separator: ",").map(String.init),
            theme: try decoder.decode(Brand.Theme.self, from: Data(try row.decode(column: "theme_json", as: String.self).utf8)),
            defaultLanguage: Language(rawValue: try row.decode(column: "default_language", as: String.self)) ?? .en,
            languages: try row.decode(column: "languages", as: String.self).split(separator: ",").compactMap { Language(rawValue: String($0)) },
            legal: try decoder.decode([String: String].self, from: Data(try row.decode(column: "legal_json", as: String.self).utf8)),
            isDefault: try row.decode(column: "is_default", as: Int.self) == 1)
    }
}

/// Picks the brand for a host: exact domain match, else the default brand.
public struct BrandDirectory: Sendable {
    public let brands: [Brand]
    public init(brands: [Brand]) { self.brands = brands }

    public func brand(forHost host: String?) -> Brand? {
        let name = host.map { String($0.split(separator: ":").first ?? "").lowercased() } ?? ""
        return brands.first { $0.domains.contains(name) } ?? brands.first(where: \.isDefault) ?? brands.first
    }
}
