import BrokerCore
import Identity
import Money
import SQLKit
import Platform

/// The account types the broker offers, each a group on one server.
public struct AccountTypeStore: Sendable {
    public let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    public func all() async throws -> [AccountType] {
        try await db.read { sql in try await sql.raw("SELECT * FROM account_types ORDER BY server_id, name").all().map(Self.decode) }
    }

    public func type(_ id: String) async throws -> AccountType? {
        try await db.read { sql in try await sql.raw("SELECT * FROM account_types WHERE id = \(bind: id)").first().map(Self.decode) }
    }

    /// Creates or replaces a type; audited with before and after.
    public func save(_ type: AccountType, audit: AuditContext) async throws {
        let type = try type.validated()
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            let before = try await sql.raw("SELECT * FROM account_types WHERE id = \(bind: type.id)").first().map(Self.decode)
            let clash = try await sql.raw("""
                SELECT id FROM account_types WHERE server_id = \(bind: type.serverID) AND mt_group = \(bind: type.group) AND id <> \(bind: type.id)
                """).first()
            if let clash {
                throw AccountTypeError.invalid(field: "group", "group \(type.group) is already account type \(try clash.decode(column: "id", as: String.self))")
            }
            try await sql.raw("""
                INSERT INTO account_types (id, server_id, name, kind, mt_group, currency, leverage_options, enabled, created_at, updated_at)
                VALUES (\(bind: type.id), \(bind: type.serverID), \(bind: type.name), \(bind: type.kind.rawValue), \(bind: type.group),
                        \(bind: type.currency.code), \(bind: Self.options(type.leverageOptions)), \(bind: type.enabled ? 1 : 0), \(bind: now), \(bind: now))
                ON CONFLICT (id) DO UPDATE SET server_id = excluded.server_id, name = excluded.name, kind = excluded.kind,
                    mt_group = excluded.mt_group, currency = excluded.currency, leverage_options = excluded.leverage_options,
                    enabled = excluded.enabled, updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(audit.entry("account_type.save", entityType: "account_type", entityID: type.id,
                                                  before: before.map(AuditJSON.text) ?? "{}", after: AuditJSON.text(type)),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    static func options(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }

    static func decode(_ row: any SQLRow) throws -> AccountType {
        let code = try row.decode(column: "currency", as: String.self)
        guard let currency = Currency(code: code) else { throw StorageError.corruptRow(table: "account_types", row: (try? row.decode(column: "id", as: String.self)) ?? "?", "unknown currency \(code)") }
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let kind = AccountType.Kind(rawValue: kindText) else { throw StorageError.corruptRow(table: "account_types", row: (try? row.decode(column: "id", as: String.self)) ?? "?", "unknown kind \(kindText)") }
        return AccountType(
            id: try row.decode(column: "id", as: String.self), serverID: try row.decode(column: "server_id", as: ServerID.self),
            name: try row.decode(column: "name", as: String.self), kind: kind, group: try row.decode(column: "mt_group", as: String.self),
            currency: currency,
            leverageOptions: (try? AccountType.parseLeverageOptions(try row.decode(column: "leverage_options", as: String.self))) ?? [1],
            enabled: try row.decode(column: "enabled", as: Int.self) == 1)
    }
}
