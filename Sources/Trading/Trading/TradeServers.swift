import BrokerCore
import Identity
import Logging
import NIOCore
import ServiceLifecycle
import SQLKit
import Platform

/// A trade server the broker connects Pipstack to. The manager password is stored
/// sealed (AES-GCM under the secret key), never in the clear.
public struct TradeServerConfig: Sendable, Equatable {
    public enum Environment: String, Sendable, CaseIterable { case live, demo }

    public var id: ServerID
    public var name: String
    public var environment: Environment
    public var endpoint: MT5Endpoint
    public var managerLogin: UInt64
    public var password: String
    public var groupMask: String
    public var enabled: Bool
    /// Logins Pipstack numbers new accounts from, first to last. A retried creation
    /// asks for the same login, which is what makes it safe to retry.
    public var logins: ClosedRange<UInt64>

    public init(id: ServerID, name: String, environment: Environment, endpoint: MT5Endpoint, managerLogin: UInt64, password: String,
                groupMask: String = "*", enabled: Bool = true, logins: ClosedRange<UInt64> = 1_000_000...1_999_999) {
        self.id = id
        self.name = name
        self.environment = environment
        self.endpoint = endpoint
        self.managerLogin = managerLogin
        self.password = password
        self.groupMask = groupMask
        self.enabled = enabled
        self.logins = logins
    }

    /// Checks what a person types; errors name the field.
    public func validated() throws(TradeServerValidationError) -> TradeServerConfig {
        guard (1...64).contains(id.rawValue.count), id.rawValue.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .init(field: "id", message: "1 to 64 of a-z, 0-9, _ and -")
        }
        guard !name.allSatisfy(\.isWhitespace), name.count <= 100 else { throw .init(field: "name", message: "1 to 100 characters") }
        guard (1...253).contains(endpoint.host.count), endpoint.host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":") }) else {
            throw .init(field: "host", message: "a host name or IP address")
        }
        guard (1...65_535).contains(endpoint.port) else { throw .init(field: "port", message: "1 to 65535") }
        guard managerLogin > 0 else { throw .init(field: "manager_login", message: "the manager account's login, a positive number") }
        guard !password.isEmpty, password.count <= 64 else { throw .init(field: "password", message: "the manager password is required") }
        guard !groupMask.isEmpty, groupMask.count <= 200 else { throw .init(field: "group_mask", message: "a group mask such as real\\*") }
        guard logins.lowerBound > 0, logins.upperBound < UInt64(Int64.max) else { throw .init(field: "login_first", message: "logins from 1 up") }
        return self
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
        let server = try server.validated()
        let sealed = try secretBox.seal(server.password)
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO trade_servers (id, name, platform, environment, host, port, use_tls, allow_self_signed, certificate_pem,
                    manager_login, password_sealed, group_mask, enabled, login_next, login_last, created_at, updated_at)
                VALUES (\(bind: server.id), \(bind: server.name), 'mt5', \(bind: server.environment.rawValue), \(bind: server.endpoint.host),
                    \(bind: server.endpoint.port), \(bind: server.endpoint.useTLS ? 1 : 0), \(bind: server.endpoint.allowSelfSigned ? 1 : 0),
                    \(bind: server.endpoint.trustedCertificatePEM ?? ""), \(bind: Int64(bitPattern: server.managerLogin)), \(bind: sealed),
                    \(bind: server.groupMask), \(bind: server.enabled ? 1 : 0), \(bind: Int64(server.logins.lowerBound)),
                    \(bind: Int64(server.logins.upperBound)), \(bind: now), \(bind: now))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, environment = excluded.environment, host = excluded.host,
                    port = excluded.port, use_tls = excluded.use_tls, allow_self_signed = excluded.allow_self_signed,
                    certificate_pem = excluded.certificate_pem, manager_login = excluded.manager_login,
                    password_sealed = excluded.password_sealed, group_mask = excluded.group_mask, enabled = excluded.enabled,
                    login_next = CASE WHEN trade_servers.login_next > excluded.login_next THEN trade_servers.login_next ELSE excluded.login_next END,
                    login_last = excluded.login_last, updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(audit.entry("trade_server.save", entityType: "trade_server", entityID: server.id,
                                                  after: AuditJSON.text(AuditedServer(server))),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    public func all() async throws -> [TradeServerConfig] {
        let rows = try await db.read { sql in try await sql.raw("SELECT * FROM trade_servers ORDER BY name").all() }
        return try rows.map(decode)
    }

    /// One server; the only password opened is its own.
    public func server(_ id: ServerID) async throws -> TradeServerConfig? {
        try await db.read { sql in try await sql.raw("SELECT * FROM trade_servers WHERE id = \(bind: id)").first() }.map(decode)
    }

    func decode(_ row: any SQLRow) throws -> TradeServerConfig {
            let pem = try row.decode(column: "certificate_pem", as: String.self)
            return TradeServerConfig(
                id: try row.decode(column: "id", as: ServerID.self), name: try row.decode(column: "name", as: String.self),
                environment: TradeServerConfig.Environment(rawValue: try row.decode(column: "environment", as: String.self)) ?? .live,
                endpoint: MT5Endpoint(host: try row.decode(column: "host", as: String.self), port: try row.decode(column: "port", as: Int.self),
                                      useTLS: try row.decode(column: "use_tls", as: Int.self) == 1,
                                      allowSelfSigned: try row.decode(column: "allow_self_signed", as: Int.self) == 1,
                                      trustedCertificatePEM: pem.isEmpty ? nil : pem),
                managerLogin: UInt64(bitPattern: try row.decode(column: "manager_login", as: Int64.self)),
                password: try secretBox.open(try row.decode(column: "password_sealed", as: String.self)),
                groupMask: try row.decode(column: "group_mask", as: String.self), enabled: try row.decode(column: "enabled", as: Int.self) == 1,
                logins: Self.range(try row.decode(column: "login_next", as: Int64.self), try row.decode(column: "login_last", as: Int64.self)))
    }

    /// The logins not yet handed out (an empty range reads as first = last + 1).
    static func range(_ next: Int64, _ last: Int64) -> ClosedRange<UInt64> {
        let lower = UInt64(max(1, next))
        return lower...max(lower, UInt64(max(1, last)))
    }
}

/// A trade server setting that cannot be saved, naming the field.
public typealias TradeServerValidationError = FieldValidationError

/// What the audit trail records of a server's settings: never the password.
struct AuditedServer: Encodable {
    let name: String, environment: String, host: String, port: Int, tls: Bool, selfSigned: Bool, manager: UInt64, groupMask: String,
        enabled: Bool, loginFirst: UInt64, loginLast: UInt64
    init(_ server: TradeServerConfig) {
        name = server.name
        environment = server.environment.rawValue
        host = server.endpoint.host
        port = server.endpoint.port
        tls = server.endpoint.useTLS
        selfSigned = server.endpoint.allowSelfSigned
        manager = server.managerLogin
        groupMask = server.groupMask
        enabled = server.enabled
        loginFirst = server.logins.lowerBound
        loginLast = server.logins.upperBound
    }
}

/// Runs a `DealSync` for every enabled trade server, each on its own two
/// connections, until shutdown; one server failing never stops another.
public struct TradingSyncService: Service {
    let servers: TradeServerStore
    let deals: DealStore
    let logger: Logger
    let health: PipelineHealth?

    public init(servers: TradeServerStore, deals: DealStore, logger: Logger, health: PipelineHealth? = nil) {
        self.health = health
        self.servers = servers
        self.deals = deals
        self.logger = logger
    }

    public func run() async throws {
        let configured = try await servers.all().filter(\.enabled)
        await withTaskGroup(of: Void.self) { group in
            for server in configured {
                let sync = DealSync(serverID: server.id, platform: server.client(logger: logger), sweepPlatform: server.client(logger: logger),
                                    store: deals, settings: .init(groupMask: server.groupMask), logger: logger, health: health)
                group.addTask { await cancelWhenGracefulShutdown { await sync.run() } }
            }
            if configured.isEmpty { try? await gracefulShutdown() }
        }
    }
}
