import BrokerCore
import Identity
import Platform

extension AccountProvisioning {
    /// Links an account that already exists on a trade server (opened before the
    /// broker ran Pipstack, or by hand in the MT5 Manager) to a client, so that it is
    /// listed, synced into books, reconciled and shown in the trader's room like one
    /// Pipstack opened. Its group must be an account type's; its leverage and group
    /// are read from the server. Adopting it again changes nothing; an account that
    /// belongs to someone else is refused. Audited.
    @discardableResult
    public func adopt(serverID: ServerID, login: TradingLogin, userID: String, audit: AuditContext) async throws -> TradingAccountRecord {
        if let existing = try await accounts.account(serverID: serverID, login: login) {
            guard existing.userID == userID else { throw ProvisioningError.notYourAccount }
            return existing
        }
        guard try await servers.server(serverID) != nil else { throw ProvisioningError.unknownServer(serverID) }
        let state: TradingAccountState
        do { state = try await platforms.platform(for: serverID).account(login) } catch let error as TradingPlatformError {
            throw ProvisioningError.platform(error)
        }
        guard let type = try await types.all().first(where: { $0.serverID == serverID && $0.group.lowercased() == state.group.lowercased() }) else {
            throw ProvisioningError.unknownAccountType("for group \(state.group) on \(serverID)")
        }
        let now = clock.nowMicros()
        let record = TradingAccountRecord(serverID: serverID, login: login, userID: userID, accountTypeID: type.id, group: state.group,
                                          currency: type.currency.code, leverage: state.leverage, status: .creating, tradingEnabled: state.tradingEnabled,
                                          requestID: "ad_\(serverID)_\(login)", lastError: "", createdAt: now, updatedAt: now)
        try await accounts.insertCreating(record, audit: audit)
        try await accounts.settle(serverID: serverID, login: login, status: .active, audit: audit)
        var adopted = record
        adopted.status = .active
        return adopted
    }
}
