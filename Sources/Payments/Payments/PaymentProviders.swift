import BrokerCore
import Foundation
import Platform
import SQLKit

/// A payment provider as configured: where its API is, and its credentials, which are
/// sealed at rest and opened only to call it or to check a webhook.
public struct PaymentProviderConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case card }

    public var id: PaymentProviderID
    public var kind: Kind
    public var name: String
    /// The API's base URL, such as `https://api.stripe.com`.
    public var apiBase: String
    public var apiKey: String
    /// The webhook endpoint's signing secret (`whsec_…`).
    public var webhookSecret: String
    public var enabled: Bool

    public init(id: PaymentProviderID, kind: Kind, name: String, apiBase: String, apiKey: String, webhookSecret: String, enabled: Bool = true) {
        self.id = id
        self.kind = kind
        self.name = name
        self.apiBase = apiBase
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.enabled = enabled
    }
}

public struct PaymentProviderStore: Sendable {
    let db: Database
    let secrets: SecretBox
    let clock: any PipstackClock

    public init(db: Database, secrets: SecretBox, clock: any PipstackClock) {
        self.db = db
        self.secrets = secrets
        self.clock = clock
    }

    /// Adds or replaces a provider, audited without its credentials.
    public func save(_ config: PaymentProviderConfig, audit: AuditContext) async throws {
        let key = try secrets.seal(config.apiKey), hook = try secrets.seal(config.webhookSecret)
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO payment_providers (id, kind, name, api_base, api_key_sealed, webhook_secret_sealed, enabled, updated_at)
                VALUES (\(bind: config.id.rawValue), \(bind: config.kind.rawValue), \(bind: config.name), \(bind: config.apiBase), \(bind: key), \(bind: hook),
                    \(bind: config.enabled ? 1 : 0), \(bind: now))
                ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, api_base = excluded.api_base,
                    api_key_sealed = excluded.api_key_sealed, webhook_secret_sealed = excluded.webhook_secret_sealed, enabled = excluded.enabled,
                    updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(audit.entry("payment_provider.saved", entityType: "payment_provider", entityID: config.id.rawValue,
                                                  after: AuditJSON.text(["name": config.name, "kind": config.kind.rawValue, "api_base": config.apiBase,
                                                                         "enabled": config.enabled ? "yes" : "no"])),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// The enabled providers, for a client to choose from (credentials left sealed).
    public func enabled() async throws -> [(id: PaymentProviderID, kind: PaymentProviderConfig.Kind, name: String)] {
        try await db.read { sql in
            try await sql.raw("SELECT id, kind, name FROM payment_providers WHERE enabled = 1 ORDER BY name").all().compactMap { row in
                guard let kind = PaymentProviderConfig.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
                return (PaymentProviderID(try row.decode(column: "id", as: String.self)), kind, try row.decode(column: "name", as: String.self))
            }
        }
    }

    /// The provider with its credentials opened; nil when there is none.
    public func provider(_ id: PaymentProviderID) async throws -> PaymentProviderConfig? {
        guard let row = try await db.read({ sql in
            try await sql.raw("SELECT * FROM payment_providers WHERE id = \(bind: id.rawValue)").first()
        }) else { return nil }
        return PaymentProviderConfig(id: id, kind: PaymentProviderConfig.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .card,
                                     name: try row.decode(column: "name", as: String.self), apiBase: try row.decode(column: "api_base", as: String.self),
                                     apiKey: try secrets.open(try row.decode(column: "api_key_sealed", as: String.self)),
                                     webhookSecret: try secrets.open(try row.decode(column: "webhook_secret_sealed", as: String.self)),
                                     enabled: try row.decode(column: "enabled", as: Int.self) == 1)
    }
}
