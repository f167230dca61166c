import BrokerCore
import Identity
import Logging
import NIOCore
import ServiceLifecycle
import SQLKit
import Storage

/// A trade server the broker connects Pipstack to. The manager password is stored
/// sealed (AES-GCM under the secret key), never in the clear.
public struct TradeServerConfig: Sendable, Equatable {
    public enum Environment: String, Sendable, CaseIterable { case live, demo }

    public var id: String
    public var name: String
    public var environment: Environment
    public var endpoint: MT5Endpoint
    public var managerLogin: UInt64
    public var password: String
    public var groupMask: String
    public var enabled: Bool

    public init(id: String, name: String, environment: Environment, endpoint: MT5Endpoint, managerLogin: UInt64, password: String,
                groupMask: String = "*", enabled: Bool = true) {
        self.id = id
        self.name = name
        self.environment = environment
        self.endpoint = endpoint
        self.managerLogin = managerLogin
        self.password = password
        self.groupMask = groupMask
        self.enabled = enabled
    }

    public func client(logger: Logger) -> MT5Client {
        MT5Client(configuration: .init(endpoint: endpoint, managerLogin: managerLogin, password: password), logger: logger)
    }
}

/// The configured trade servers.
public struct TradeServerStore: Sendable {
    public let db: Database
    let secretBox: SecretBox
    let clock: any PipstackClock

    public init(db: Database, secretBox: SecretBox, clock: any PipstackClock) {
        self.db = db
        self.secretBox = secretBox
        self.clock = clock
    }

    public func save(_ server: TradeServerConfig, audit: AuditContext) async throws {
        let sealed = try secretBox.seal(server.password)
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO trade_servers (id, name, platform, environment, host, port, use_tls, allow_self_signed, certificate_pem,
                    manager_login, password_sealed, group_mask, enabled, created_at, updated_at)
                VALUES (\(bind: server.id), \(bind: server.name), 'mt5', \(bind: server.environment.rawValue), \(bind: server.endpoint.host),
                    \(bind: server.endpoint.port), \(bind: server.endpoint.useTLS ? 1 : 0), \(bind: server.endpoint.allowSelfSigned ? 1 : 0),
                    \(bind: server.endpoint.trustedCertificatePEM ?? ""), \(bind: Int64(bitPattern: server.managerLogin)), \(bind: sealed),
                    \(bind: server.groupMask), \(bind: server.enabled ? 1 : 0), \(bind: now), \(bind: now))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, environment = excluded.environment, host = excluded.host,
                    port = excluded.port, use_tls = excluded.use_tls, allow_self_signed = excluded.allow_self_signed,
                    certificate_pem = excluded.certificate_pem, manager_login = excluded.manager_login,
                    password_sealed = excluded.password_sealed, group_mask = excluded.group_mask, enabled = excluded.enabled,
                    updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(audit.entry("trade_server.save", entityType: "trade_server", entityID: server.id,
                                                  after: "{\"host\":\"\(server.endpoint.host)\",\"port\":\(server.endpoint.port),\"enabled\":\(server.enabled)}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    public func all() async throws -> [TradeServerConfig] {
        let rows = try await db.read { sql in try await sql.raw("SELECT * FROM trade_servers ORDER BY name").all() }
        return try rows.map { row in
            let pem = try row.decode(column: "certificate_pem", as: String.self)
            return TradeServerConfig(
                id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                environment: TradeServerConfig.Environment(rawValue: try row.decode(column: "environment", as: String.self)) ?? .live,
                endpoint: MT5Endpoint(host: try row.decode(column: "host", as: String.self), port: try row.decode(column: "port", as: Int.self),
                                      useTLS: try row.decode(column: "use_tls", as: Int.self) == 1,
                                      allowSelfSigned: try row.decode(column: "allow_self_signed", as: Int.self) == 1,
                                      trustedCertificatePEM: pem.isEmpty ? nil : pem),
                managerLogin: UInt64(bitPattern: try row.decode(column: "manager_login", as: Int64.self)),
                password: try secretBox.open(try row.decode(column: "password_sealed", as: String.self)),
                groupMask: try row.decode(column: "group_mask", as: String.self), enabled: try row.decode(column: "enabled", as: Int.self) == 1)
        }
    }
}

/// Runs a `DealSync` for every enabled trade server, each on its own two
/// connections, until shutdown; one server failing never stops another.
public struct TradingSyncService: Service {
    let servers: TradeServerStore
    let deals: DealStore
    let logger: Logger

    public init(servers: TradeServerStore, deals: DealStore, logger: Logger) {
        self.servers = servers
        self.deals = deals
        self.logger = logger
    }

    public func run() async throws {
        let configured = try await servers.all().filter(\.enabled)
        await withTaskGroup(of: Void.self) { group in
            for server in configured {
                let sync = DealSync(serverID: server.id, platform: server.client(logger: logger), sweepPlatform: server.client(logger: logger),
                                    store: deals, settings: .init(groupMask: server.groupMask), logger: logger)
                group.addTask { await cancelWhenGracefulShutdown { await sync.run() } }
            }
            if configured.isEmpty { try? await gracefulShutdown() }
        }
    }
}
