import BrokerCore
import Foundation
import Identity
import Platform

/// The back-office home's aggregate figures: counts over every client, account, audit
/// event and ledger transaction, and 30 days of daily rollups. Counting them takes tens
/// of milliseconds at a broker's size, and staff open the home all day, so the figures
/// are computed at most once per `freshFor` for everyone and shown with the time they
/// were taken. While a refresh runs, pages show the previous figures instead of waiting
/// for it. What a person acts on (payouts awaiting approval, open reconciliation
/// items, trade server sync, stopped pipelines) is read live on every view.
actor AdminHomeFigures {
    struct Figures: Sendable {
        let takenAt: Int64
        let users: [PrincipalKind: Int64]
        let partners: Int64
        let auditEvents: Int64
        let ledgerTransactions: Int64
        let jobs: [JobStatus: Int]
        let accounts: (active: Int64, new: Int64)
        /// The 30 UTC days shown, oldest first.
        let days: [Int64]
        let commissions: [Int64: (amount: Int64, lots: Int64)]
        let opened: [Int64: Int64]
        let traded: [Int64: Int64]
    }

    static let day: Int64 = 86_400_000_000

    private let services: AppServices
    private let freshFor: Int64
    nonisolated let freshForSeconds: Int64
    /// Figures by brand id, `""` for every brand together.
    private var current: [String: Figures] = [:]
    private var refreshing: [String: Task<Figures, any Error>] = [:]

    init(services: AppServices, freshForSeconds: Int64 = 10) {
        self.services = services
        self.freshFor = freshForSeconds * 1_000_000
        self.freshForSeconds = freshForSeconds
    }

    /// Figures of `brand` (nil: all brands) no older than `freshFor`, or the previous ones while new ones are taken.
    func figures(brand: BrandID? = nil) async throws -> Figures {
        let now = services.clock.nowMicros()
        let key = brand?.rawValue ?? ""
        if let current = current[key], now - current.takenAt < freshFor { return current }
        let task = refreshing[key] ?? Task { [services] in try await Self.take(services, brand: brand, at: now) }
        if refreshing[key] == nil {
            refreshing[key] = task
            Task { await self.finish(task, key: key) }
        }
        if let current = current[key] { return current }
        return try await task.value
    }

    private func finish(_ task: Task<Figures, any Error>, key: String) async {
        if let figures = try? await task.value { current[key] = figures }
        refreshing[key] = nil
    }

    /// Clients, trading accounts and the daily charts are the brand's; partners, staff,
    /// jobs, the ledger and the audit trail are the broker's whatever brand is shown.
    static func take(_ services: AppServices, brand: BrandID?, at now: Int64) async throws -> Figures {
        let (users, staff, events) = try await services.db.read { sql in
            (try await UserDirectory.counts(brand: brand, on: sql), try await UserDirectory.counts(on: sql)[.staff] ?? 0, try await AuditLog.count(on: sql))
        }
        let today = now / day * day
        let days = (0..<30).map { today - Int64(29 - $0) * day }
        let end = today + day
        let daily = if let brand { try await services.commissions.reports.brokerDaily(from: days[0], to: end, brand: brand) }
            else { try await services.commissions.reports.brokerDaily(from: days[0], to: end) }
        return Figures(takenAt: now, users: users.merging([.staff: staff]) { _, broker in broker },
                       partners: Int64(try await services.partners.partners.count()), auditEvents: events,
                       ledgerTransactions: try await services.ledger.summary().transactions, jobs: try await services.jobs.counts(),
                       accounts: try await services.trading.accounts.activeCounts(openedSince: now - 30 * day, brand: brand), days: days,
                       commissions: Dictionary(daily.map { ($0.day, (amount: $0.amount, lots: $0.lots)) }, uniquingKeysWith: { first, _ in first }),
                       opened: try await services.trading.accounts.openedPerDay(from: days[0], to: end, brand: brand),
                       traded: try await services.trading.deals.activeAccountsPerDay(from: days[0], to: end, brand: brand))
    }
}
