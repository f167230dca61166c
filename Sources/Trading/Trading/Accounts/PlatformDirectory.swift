import BrokerCore
import Logging
import Platform

/// One client per configured trade server, shared by every request, rebuilt when
/// the server's settings change. Each client keeps its one pinned connection.
public actor PlatformDirectory {
    let servers: TradeServerStore
    let logger: Logger
    private var clients: [ServerID: (config: TradeServerConfig, client: MT5Client)] = [:]

    public init(servers: TradeServerStore, logger: Logger) {
        self.servers = servers
        self.logger = logger
    }

    /// The platform for a server; refuses unknown and disabled servers.
    public func platform(for serverID: ServerID) async throws -> any TradingPlatform {
        guard let config = try await servers.server(serverID) else { throw ProvisioningError.unknownServer(serverID) }
        guard config.enabled else { throw ProvisioningError.serverDisabled(serverID) }
        if let cached = clients[serverID], cached.config.sameConnection(as: config) { return cached.client }
        if let stale = clients[serverID] { await stale.client.disconnect() }
        let client = config.client(logger: logger)
        clients[serverID] = (config, client)
        return client
    }

    public func disconnectAll() async {
        for (_, entry) in clients { await entry.client.disconnect() }
        clients = [:]
    }
}

extension TradeServerConfig {
    /// Settings that change how the client connects (the login range does not).
    func sameConnection(as other: TradeServerConfig) -> Bool {
        endpoint == other.endpoint && managerLogin == other.managerLogin && password == other.password
    }
}

/// Why opening or changing a trading account was refused.
public enum ProvisioningError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownServer(ServerID)
    case serverDisabled(ServerID)
    case unknownAccountType(String)
    case accountTypeDisabled(String)
    case leverageNotAllowed(requested: Int, allowed: [Int])
    case loginsExhausted(ServerID)
    case unknownAccount(String)
    case notYourAccount
    case accountNotActive(String)
    /// The server did not answer in time: the account is opened if it confirms later.
    case outcomeUnknown(String)
    case platform(TradingPlatformError)

    public var description: String {
        switch self {
        case let .unknownServer(id): "no trade server \(id)"
        case let .serverDisabled(id): "trade server \(id) is disabled"
        case let .unknownAccountType(id): "no account type \(id)"
        case let .accountTypeDisabled(id): "account type \(id) is not offered"
        case let .leverageNotAllowed(requested, allowed):
            "leverage 1:\(requested) is not allowed; choose one of \(allowed.map { "1:\($0)" }.joined(separator: ", "))"
        case let .loginsExhausted(id): "trade server \(id) has no logins left in its range; widen it in the back office"
        case let .unknownAccount(reference): "no trading account \(reference)"
        case .notYourAccount: "this trading account belongs to someone else"
        case let .accountNotActive(reference): "trading account \(reference) is not active"
        case let .outcomeUnknown(reference):
            "the trade server did not confirm account \(reference) in time; it is checked again shortly and appears here once confirmed (then set a new trading password)"
        case let .platform(error): error.description
        }
    }
}
