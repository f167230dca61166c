import App
import BrokerCore
import Commissions
import CommissionsCore
import Foundation
import Identity
import Logging
import Money
import Partners
import Platform
import Trading

/// The data `bench pages` runs on, written through the slices' published interfaces:
/// clients registered over 400 days (Identity's import), one trading account each
/// (Trading's import), a partner with a per-lot plan and its referred clients, deals
/// over the last 30 days, and the commissions the pipeline computes from them.
enum PagesBenchData {
    struct Seeded: Sendable {
        let admin: User
        let partner: User
        /// Client ids the profile page is timed on.
        let sample: [String]
        let lines: Int
    }

    static let day: Int64 = 86_400_000_000

    /// A database seeded by an earlier run (`--keep`): its admin, partner and sample again,
    /// so that page changes can be measured without seeding for minutes each time.
    static func reuse(services: AppServices, clients: Int) async throws -> Seeded? {
        guard let admin = try await services.identity.user(email: "admin@bench.example", kind: .staff),
              let partner = try await services.identity.user(email: "partner@bench.example", kind: .partner) else { return nil }
        var sample: [String] = []
        for index in stride(from: 0, to: clients, by: max(1, clients / 1_000)) {
            guard let client = try await services.identity.user(email: "client\(index)@bench.example", kind: .trader) else {
                throw StorageError.misconfigured("the kept bench database has fewer than \(clients) clients")
            }
            sample.append(client.id.rawValue)
        }
        return Seeded(admin: admin, partner: partner, sample: sample, lines: try await services.commissions.reports.lineCount())
    }

    static func seed(services: AppServices, brand: BrandID, clients: Int, deals: Int, referred: Int,
                     progress: (@Sendable (String) -> Void)?) async throws -> Seeded {
        let audit = AuditContext(actor: "bench-seed")
        let now = services.clock.nowMicros()
        let admin = try await services.identity.createUser(kind: .staff, email: "admin@bench.example", password: "bench-password-1", displayName: "Bench Admin",
                                                           role: .admin, brandID: brand, audit: audit)
        let partnerUser = try await services.identity.createUser(kind: .partner, email: "partner@bench.example", password: "bench-password-1",
                                                                 displayName: "Bench Partner", brandID: brand, audit: audit)
        let book = services.partners
        try await book.partners.create(Partner(id: "bench_ib", userID: partnerUser.id.rawValue, name: "Bench Partner", agreementAcceptedAt: 1),
                                       parent: nil, from: 0, audit: audit)
        try await book.plans.save(CommissionPlan(id: "bench-plan", name: "Bench plan", rules: [
            .init(id: "rebate", kind: .perLot, rates: .init(default: "7.00000000", groups: ["metals": "3.50000000"])),
        ]), effectiveFrom: 0, audit: audit)
        try await book.plans.assign("bench_ib", plan: "bench-plan", from: 0, audit: audit)

        // Clients, registered evenly over 400 days.
        let registeredAt = { (index: Int) in now - 400 * day + Int64(index) * (400 * day / Int64(max(clients, 1))) }
        let importer = UserImport(db: services.db, clock: services.clock)
        var ids: [UserID] = []
        for start in stride(from: 0, to: clients, by: 10_000) {
            let rows = (start..<min(start + 10_000, clients)).map {
                UserImport.Trader(email: "client\($0)@bench.example", displayName: "Client \($0)", registeredAt: registeredAt($0))
            }
            ids += try await importer.importTraders(rows, brandID: brand, audit: audit)
        }
        guard ids.count == clients else { throw StorageError.misconfigured("bench pages needs an empty database") }
        progress?("seeded \(clients) clients")

        try await services.trading.servers.save(TradeServerConfig(id: "bench", name: "Bench MT5", environment: .live,
                                                                  endpoint: MT5Endpoint(host: "127.0.0.1", port: 1, useTLS: false), managerLogin: 1,
                                                                  password: "Manager#2026", logins: 1_000_000...9_999_999), audit: audit)
        try await services.trading.types.save(AccountType(id: "std", serverID: "bench", name: "Standard", kind: .standard, group: "real\\standard",
                                                          currency: .usd, leverageOptions: [30]), audit: audit)
        for start in stride(from: 0, to: clients, by: 10_000) {
            let records = (start..<min(start + 10_000, clients)).map { index in
                TradingAccountRecord(serverID: "bench", login: TradingLogin(UInt64(1_000_000 + index)), userID: ids[index].rawValue, accountTypeID: "std",
                                     group: "real\\standard", currency: "USD", leverage: 30, status: .active, tradingEnabled: true, requestID: "",
                                     lastError: "", createdAt: registeredAt(index) + day, updatedAt: registeredAt(index) + day)
            }
            _ = try await services.trading.accounts.importExisting(records, audit: audit)
        }
        progress?("seeded \(clients) trading accounts")

        let every = max(1, clients / max(referred, 1))
        for index in stride(from: 0, to: clients, by: every).prefix(referred) {
            try await book.attributions.attribute(Attribution(subject: .client, subjectID: ids[index].rawValue, partnerID: "bench_ib"), from: 0, audit: audit)
        }
        progress?("attributed \(min(referred, clients)) clients")

        // Deals over the last 30 days, on the clients' accounts.
        let store = services.trading.deals
        let span = 30 * day
        try await BenchDeals.store(deals, into: store, serverID: "bench", firstLogin: 1_000_000, accounts: clients,
                                   symbols: ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US500", "XTIUSD"],
                                   time: { now - span + Int64($0) * (span / Int64(max(deals, 1))) },
                                   progress: { stored in if stored % 1_000_000 == 0 { progress?("stored \(stored) deals") } })
        progress?("stored \(deals) deals")

        var logger = Logger(label: "pipstack.bench")
        logger.logLevel = .warning
        let pipeline = try CommissionPipeline(db: services.db, deals: store, ledger: services.ledger, clock: services.clock, logger: logger, batchSize: 10_000)
        try await pipeline.consume(DealFeed(store: store).batches(for: CommissionPipeline.consumer, batchSize: 10_000, endWhenDrained: true))
        let lines = try await services.commissions.reports.lineCount()
        progress?("computed \(lines) commission lines")
        // A server that has run a while has its log copied into the file: time pages in that state.
        try await services.db.checkpoint()
        progress?("checkpointed the write-ahead log")
        let sample = stride(from: 0, to: clients, by: max(1, clients / 1_000)).map { ids[$0].rawValue }
        return Seeded(admin: admin, partner: partnerUser, sample: sample, lines: lines)
    }
}
