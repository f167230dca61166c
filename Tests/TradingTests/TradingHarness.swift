import BrokerCore
import Identity
import LedgerCore
import MT5Simulator
import Money
import Platform
import TestSupport
import Trading
import Ledger

/// A database, a simulator registered as live server "mt5_live" (and its demo
/// groups as "mt5_demo"), the standard account types, and one trader with money
/// in the wallet: what provisioning, balance-operation and reconciliation tests
/// start from.
struct TradingHarness {
    let db: Database
    let mt5: MT5Harness
    let ledger: LedgerStore
    let trading: TradingServices
    let identity: IdentityService
    let trader: User
    static let secretKey = "test-secret-key-of-at-least-32-characters"
    static let walletFunding: Int64 = 500_000

    static func start(_ kind: String, faults: SimulatorFaults = .none) async throws -> TradingHarness {
        let db = try await TestDatabases.make(kind)
        let mt5 = try await MT5Harness.start(faults: faults)
        let clock = SystemClock()
        let ledger = try LedgerStore(db: db, clock: clock)
        let trading = try TradingServices(db: db, ledger: ledger, secretKey: secretKey, clock: clock, logger: TestDatabases.logger)
        let endpoint = MT5Endpoint(host: "127.0.0.1", port: mt5.server.port, useTLS: false)
        try await trading.servers.save(TradeServerConfig(id: "mt5_live", name: "MT5 Live", environment: .live, endpoint: endpoint,
                                                         managerLogin: MT5Harness.manager, password: MT5Harness.password, groupMask: "real\\*",
                                                         logins: 7_000_000...7_000_099), audit: .system)
        try await trading.servers.save(TradeServerConfig(id: "mt5_demo", name: "MT5 Demo", environment: .demo, endpoint: endpoint,
                                                         managerLogin: MT5Harness.manager, password: MT5Harness.password, groupMask: "demo\\*",
                                                         logins: 8_000_000...8_000_099), audit: .system)
        for type in [
            AccountType(id: "standard", serverID: "mt5_live", name: "Standard", kind: .standard, group: "real\\standard", currency: .usd,
                        leverageOptions: [1, 30, 100, 500]),
            AccountType(id: "ecn", serverID: "mt5_live", name: "ECN", kind: .ecn, group: "real\\ecn", currency: .usd, leverageOptions: [1, 30, 100]),
            AccountType(id: "cent", serverID: "mt5_live", name: "Cent", kind: .cent, group: "real\\cent", currency: .usc, leverageOptions: [100, 1_000]),
            AccountType(id: "demo", serverID: "mt5_demo", name: "Demo", kind: .standard, group: "demo\\standard", currency: .usd, leverageOptions: [100, 500]),
        ] {
            try await trading.types.save(type, audit: .system)
        }
        let identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: secretKey), bcryptCost: 4)
        let trader = try await identity.createUser(kind: .trader, email: "ana@example.test", password: "correct horse battery",
                                                   displayName: "Ana Trader", brandID: "brand_test", audit: .system)
        _ = try await ledger.post(PostingRules.deposit(key: "funding:\(trader.id)", client: trader.id.rawValue, provider: "bank",
                                                       amount: Money(minorUnits: walletFunding, currency: .usd), at: 0))
        return TradingHarness(db: db, mt5: mt5, ledger: ledger, trading: trading, identity: identity, trader: trader)
    }

    func stop() async {
        await trading.platforms.disconnectAll()
        await mt5.stop()
        await db.close()
    }

    var wallet: LedgerAccount { LedgerAccount(kind: .clientWallet, owner: trader.id.rawValue, currency: .usd) }

    func mirror(_ record: TradingAccountRecord) -> LedgerAccount {
        TradingPostingRules.mirror(serverID: record.serverID, login: record.login, currency: Currency(code: record.currency) ?? .usd)
    }

    /// Runs the dispatcher until nothing is left to claim.
    func dispatchAll() async throws {
        for _ in 0..<50 where try await trading.dispatcher.runOnce() > 0 {}
    }

    func audit(_ action: String) async throws -> [AuditEvent] {
        try await db.read { sql in try await AuditLog.recent(on: sql, limit: 1_000) }.filter { $0.entry.action == action }
    }
}
