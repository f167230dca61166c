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
    private var current: Figures?
    private var refreshing: Task<Figures, any Error>?

    init(services: AppServices, freshForSeconds: Int64 = 10) {
        self.services = services
        self.freshFor = freshForSeconds * 1_000_000
        self.freshForSeconds = freshForSeconds
    }

    /// Figures no older than `freshFor`, or the previous ones while new ones are taken.
    func figures() async throws -> Figures {
        let now = services.clock.nowMicros()
        if let current, now - current.takenAt < freshFor { return current }
        let task = refreshing ?? Task { [services] in try await Self.take(services, at: now) }
        if refreshing == nil {
            refreshing = task
            Task { await self.finish(task) }
        }
        if let current { return current }
        return try await task.value
    }

    private func finish(_ task: Task<Figures, any Error>) async {
        if let figures = try? await task.value { current = figures }
        refreshing = nil
    }

    static func take(_ services: AppServices, at now: Int64) async throws -> Figures {
        let (users, events) = try await services.db.read { sql in
            (try await UserDirectory.counts(on: sql), try await AuditLog.count(on: sql))
        }
        let today = now / day * day
        let days = (0..<30).map { today - Int64(29 - $0) * day }
        let end = today + day
        let daily = try await services.commissions.reports.brokerDaily(from: days[0], to: end)
        return Figures(takenAt: now, users: users, partners: Int64(try await services.partners.partners.count()), auditEvents: events,
                       ledgerTransactions: try await services.ledger.summary().transactions, jobs: try await services.jobs.counts(),
                       accounts: try await services.trading.accounts.activeCounts(openedSince: now - 30 * day), days: days,
                       commissions: Dictionary(daily.map { ($0.day, (amount: $0.amount, lots: $0.lots)) }, uniquingKeysWith: { first, _ in first }),
                       opened: try await services.trading.accounts.openedPerDay(from: days[0], to: end),
                       traded: try await services.trading.deals.activeAccountsPerDay(from: days[0], to: end))
    }
}
