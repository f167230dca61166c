import ArgumentParser
import BrokerCore
import Foundation
import MT5Simulator
import CommissionsCore
import Partners
import Trading
import Identity
import LedgerCore
import Money
import Platform
import WebKit
import App
import Clients
import Commissions
import Payments
import PSPSimulator

/// Everything on embedded SQLite with seeded demo data; keeps its data across restarts.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run Pipstack with demo data on embedded SQLite (two-factor authentication off).")

    @Option(name: .long, help: "Port to listen on (default 8080).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Where the demo keeps its data (default ./pipstack-data).") var dataDir: String?
    @Option(name: .long, help: "Address to bind (default 127.0.0.1).") var host: String = "127.0.0.1"

    static let password = "pipstack-demo"

    func run() async throws {
        let folder = URL(fileURLWithPath: dataDir ?? "./pipstack-data")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let logger = Runtime.logger()
        let clock = SystemClock()
        let db = try await Runtime.openMigrated(.sqlite(path: folder.appendingPathComponent("pipstack.sqlite").path), logger: logger)
        let secret = try Self.secretKey(in: folder)
        let brands = try await DefaultBrand.ensure(db, clock: clock, name: "Pipstack Demo Markets")
        let port = self.port ?? 8080
        let settings = WebSettings(secureCookies: false, twoFactorRoles: [], demo: true, publicURL: "http://\(host):\(port)", bcryptCost: 10)
        let services = try AppServices(db: db, clock: clock, secretKey: secret, brands: brands, settings: settings,
                                       templatesOverride: folder.appendingPathComponent("templates"), logger: logger)
        try await DemoSeed.seed(services: services, brand: brands[0].id, password: Self.password)
        // A simulated MT5 server with trading accounts already at work, and Pipstack syncing its deals.
        let (simulator, simulatedLogins) = try await DemoTradeServer.start(trading: services.trading)
        try await DemoTradeServer.seedPartners(services: services, simulatedLogins: simulatedLogins)
        try await DemoTradeServer.adoptSimulatedAccounts(services: services, logins: simulatedLogins)
        let base = "http://\(host):\(port)"
        let card = try await DemoPayments.start(services: services, base: base)
        print("""

        Pipstack demo is running (data in \(folder.path); mail written to \(folder.appendingPathComponent("mail").path)).
          Back office:    \(base)/admin
          Trader's room:  \(base)/portal
          Partner portal: \(base)/partners
          API:            \(base)/api/v1/openapi.json
          MT5 simulator:  http://127.0.0.1:\(simulator.port) (manager \(DemoTradeServer.manager), Web API; its live and demo groups are Pipstack's \"MT5 Live\" and \"MT5 Demo\" servers)
          Card payments:  simulator at \(card.baseURL) (Stripe's shape); webhook secret \(card.options.webhookSecret)
                          test cards 4242 4242 4242 4242 (approved), 4000 0027 6000 3184 (3-D Secure), 4000 0000 0000 0002 (declined)
        Logins (password \(Self.password)):
          admin@pipstack.demo, compliance@pipstack.demo, finance@pipstack.demo  -> back office
          trader@pipstack.demo  -> trader's room
          partner@pipstack.demo -> partner portal
        Demo mode: two-factor authentication is NOT enforced (serve enforces it for admin, finance and compliance).

        """)
        fflush(nil)   // all streams: the banner must show before the server logs
        let mailer = FileMailer(folder: folder.appendingPathComponent("mail"), from: "no-reply@pipstack.demo")
        // The simulator and the database are closed however the services end.
        do {
            try await Runtime.run(services: services, mailer: mailer, host: host, port: port, secretKey: secret, logger: logger)
        } catch {
            await simulator.stop()
            await card.stop()
            await db.close()
            throw error
        }
        await simulator.stop()
        await card.stop()
        await db.close()
    }

    /// The demo's secret key, generated once and kept in the data folder.
    static func secretKey(in folder: URL) throws -> String {
        let file = folder.appendingPathComponent("secret.key")
        if let existing = try? String(contentsOf: file, encoding: .utf8), existing.count >= 32 {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let key = Tokens.random(bytes: 32)
        try key.write(to: file, atomically: true, encoding: .utf8)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return key
    }
}

/// Demo users and a little money, created once.
enum DemoSeed {
    static let users: [(PrincipalKind, String, String, StaffRole?)] = [
        (.staff, "admin@pipstack.demo", "Ada Admin", .admin),
        (.staff, "compliance@pipstack.demo", "Cora Compliance", .compliance),
        (.staff, "finance@pipstack.demo", "Finn Finance", .finance),
        (.trader, "trader@pipstack.demo", "Tariq Trader", nil),
        (.partner, "partner@pipstack.demo", "Paula Partner", nil),
    ]

    static func seed(services: AppServices, brand: BrandID, password: String) async throws {
        let audit = AuditContext(actor: "demo-seed")
        for (kind, email, name, role) in users where try await services.identity.user(email: email, kind: kind) == nil {
            _ = try await services.identity.createUser(kind: kind, email: email, password: password, displayName: name,
                                                       role: role, brandID: brand, audit: audit)
        }
        guard let trader = try await services.identity.user(email: "trader@pipstack.demo", kind: .trader) else { return }
        // Idempotent by key: restarting the demo posts nothing twice.
        _ = try await services.ledger.post(PostingRules.deposit(key: "demo:deposit:1", client: trader.id.rawValue, provider: "demo-psp",
                                                                amount: Money(minorUnits: 250_000, currency: .usd), at: services.clock.nowMicros()))
    }
}

/// The demo's trade server: an MT5 simulator in the same process (same seed every
/// run), registered as Pipstack's "MT5 Demo (simulated)" server.
enum DemoTradeServer {
    static let manager: UInt64 = 1_000
    static let password = "Demo#Mt5Pass1"
    static let preferredPort = 18_443

    static func start(trading: TradingServices) async throws -> (MT5SimulatorServer, [UInt64]) {
        let options = { (port: Int) in
            // Tickets start at the clock in milliseconds: each run issues tickets above the last run's.
            MT5SimulatorServer.Options(port: port, managerLogin: manager, password: password, seed: 2026, dealsPerSecond: 2,
                                       firstTicket: UInt64(Date().timeIntervalSince1970 * 1_000))
        }
        let server: MT5SimulatorServer
        do { server = try await MT5SimulatorServer.start(options(preferredPort)) } catch { server = try await MT5SimulatorServer.start(options(0)) }
        let simulated = try server.createFundedAccounts(5)
        let endpoint = MT5Endpoint(host: "127.0.0.1", port: server.port, useTLS: false)
        // One simulator serves both: live groups (real\*) and demo groups (demo\*), each with its own login range.
        try await trading.servers.save(TradeServerConfig(id: "mt5_live", name: "MT5 Live (simulated)", environment: .live, endpoint: endpoint,
                                                         managerLogin: manager, password: password, groupMask: "real\\*",
                                                         logins: 2_000_000...2_999_999), audit: .system)
        try await trading.servers.save(TradeServerConfig(id: "mt5_demo", name: "MT5 Demo (simulated)", environment: .demo, endpoint: endpoint,
                                                         managerLogin: manager, password: password, groupMask: "demo\\*",
                                                         logins: 3_000_000...3_999_999), audit: .system)
        let leverages = [1, 10, 30, 50, 100, 200, 500]
        for type in [
            AccountType(id: "live-standard", serverID: "mt5_live", name: "Standard", kind: .standard, group: "real\\standard", currency: .usd, leverageOptions: leverages),
            AccountType(id: "live-ecn", serverID: "mt5_live", name: "ECN Raw", kind: .ecn, group: "real\\ecn", currency: .usd, leverageOptions: leverages),
            AccountType(id: "live-cent", serverID: "mt5_live", name: "Cent", kind: .cent, group: "real\\cent", currency: .usc, leverageOptions: leverages + [1_000]),
            AccountType(id: "live-islamic", serverID: "mt5_live", name: "Islamic", kind: .islamic, group: "real\\islamic", currency: .usd, leverageOptions: leverages),
            AccountType(id: "demo-standard", serverID: "mt5_demo", name: "Demo Standard", kind: .standard, group: "demo\\standard", currency: .usd,
                        leverageOptions: leverages + [1_000]),
        ] where try await trading.types.type(type.id) == nil {
            try await trading.types.save(type, audit: .system)
        }
        // Accounts opened in earlier runs exist again on this run's simulator (without their money).
        for record in try await trading.accounts.list(status: .active, limit: 10_000) where ["mt5_live", "mt5_demo"].contains(record.serverID) {
            try? server.restoreAccount(login: record.login.value, group: record.group, leverage: record.leverage, name: "Restored account",
                                       requestID: record.requestID)
        }
        return (server, simulated)
    }

    /// The simulator's already-trading live accounts belong to the demo trader, as
    /// accounts a broker had before Pipstack do: listed under Trading accounts, in
    /// the trader's room and in reconciliation (their funding was booked on the
    /// server alone, so reconciliation shows it as a difference to look at).
    static func adoptSimulatedAccounts(services: AppServices, logins: [UInt64]) async throws {
        guard let trader = try await services.identity.user(email: "trader@pipstack.demo", kind: .trader) else { return }
        for login in logins {
            try await services.trading.provisioning.adopt(serverID: "mt5_live", login: TradingLogin(login), userID: trader.id.rawValue,
                                                          audit: AuditContext(actor: "demo-seed"))
        }
    }

    /// A partner tree for the demo, created once: a master IB over the demo partner's
    /// IB, the demo trader and the simulated traders attributed to it, so commissions
    /// accrue as the simulated market trades.
    static func seedPartners(services: AppServices, simulatedLogins: [UInt64]) async throws {
        let partners = services.partners
        guard try await partners.partners.all().isEmpty,
              let partnerUser = try await services.identity.user(email: "partner@pipstack.demo", kind: .partner),
              let trader = try await services.identity.user(email: "trader@pipstack.demo", kind: .trader) else { return }
        let audit = AuditContext(actor: "demo-seed")
        let start = services.clock.nowMicros()
        try await partners.partners.create(Partner(id: "meridian", kind: .ib, legalType: .company, name: "Meridian Partners Ltd",
                                                   email: "desk@meridian.example", agreementAcceptedAt: start), parent: nil, from: start, audit: audit)
        try await partners.partners.create(Partner(id: "paula", userID: partnerUser.id.rawValue, kind: .subIB, legalType: .person, name: "Paula Partner",
                                                   email: partnerUser.email, agreementAcceptedAt: start), parent: "meridian", from: start, audit: audit)
        let master = CommissionPlan(id: "meridian-master", name: "Meridian master", rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "3.00", groups: ["fx_majors": "7.00", "fx_minors": "5.00", "metals": "4.00", "energies": "1.00"])),
            .init(id: "commission", kind: .commissionShare, share: "20%"),
        ])
        let ib = CommissionPlan(id: "standard-ib", name: "Standard IB", filters: .init(minHoldSeconds: 10, skipOpenEqualsClose: true), rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "2.00", groups: ["fx_majors": "5.00", "fx_minors": "3.50", "metals": "3.00", "energies": "0.50"])),
            .init(id: "commission", kind: .commissionShare, share: "10%"),
        ], cpa: .init(minFirstDeposit: "100.00", requireKYC: true, withinDays: 30,
                      bands: [.init(minDeposit: "1000.00", amount: "250.00"), .init(minDeposit: "100.00", amount: "100.00")]))
        for plan in [master, ib] { try await partners.plans.save(plan, effectiveFrom: start, audit: audit) }
        try await partners.plans.assign("meridian", plan: "meridian-master", from: start, audit: audit)
        try await partners.plans.assign("paula", plan: "standard-ib", from: start, audit: audit)
        try await partners.attributions.attribute(Attribution(subject: .client, subjectID: trader.id.rawValue, partnerID: "paula"), from: start, audit: audit)
        for login in simulatedLogins {
            try await partners.attributions.attribute(Attribution(subject: .account, subjectID: "mt5_live:\(login)", partnerID: "paula"), from: start, audit: audit)
        }
        // The demo trader's identity check, as a KYC vendor would report it: with the
        // $2,500 wallet deposit it makes Paula's $250 CPA due on the first run.
        _ = try await services.clientEvents.record(ClientEventRecord(source: "demo-kyc", externalID: "kyc-\(trader.id.rawValue)", userID: trader.id,
                                                                     kind: .kycApproved, country: "GB", occurredAt: start), audit: audit)
        // Paula is paid in real time into her wallet once $1 has accrued, after finance approves (see /admin/payouts).
        try await services.payouts.save(PayoutSettings(partnerID: "paula", schedule: .realtime, minimumMinor: 100, currency: "USD", needsApproval: true),
                                        audit: audit)
    }
}
