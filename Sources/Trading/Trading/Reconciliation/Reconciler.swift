import BrokerCore
import Identity
import LedgerCore
import Logging
import Money
import SQLKit
import Platform
import Ledger

/// A stored difference and what staff did about it.
public struct ReconciliationItem: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case open, resolved }

    public var id: Int64
    public var runID: Int64
    public var serverID: ServerID
    public var login: TradingLogin
    public var difference: ReconciliationDifference
    public var status: Status
    public var resolution: String
    public var resolvedBy: String
    public var resolvedAt: Int64
}

/// One reconciliation run.
public struct ReconciliationRun: Sendable, Equatable, Codable {
    public var id: Int64
    public var startedAt: Int64
    public var finishedAt: Int64
    public var accounts: Int
    public var differences: Int
    public var error: String
}

/// Compares, account by account, Pipstack's ledger and operations with what each
/// trade server reports live, and stores the differences for staff to resolve.
/// A difference resolved in an earlier run stays resolved while it is unchanged.
public struct Reconciler: Sendable {
    public static let jobKind = "trading.reconcile"

    let db: Database
    let accounts: TradingAccountStore
    let operations: BalanceOperationStore
    let ledger: LedgerStore
    let deals: DealStore
    let platforms: PlatformDirectory
    let servers: TradeServerStore
    let clock: any PipstackClock
    let logger: Logger

    public init(db: Database, accounts: TradingAccountStore, operations: BalanceOperationStore, ledger: LedgerStore, deals: DealStore,
                platforms: PlatformDirectory, servers: TradeServerStore, clock: any PipstackClock, logger: Logger) {
        self.db = db
        self.accounts = accounts
        self.operations = operations
        self.ledger = ledger
        self.deals = deals
        self.platforms = platforms
        self.servers = servers
        self.clock = clock
        self.logger = logger
    }

    /// Reconciles every active account (or one server's) and returns the run.
    @discardableResult
    public func run(serverID: ServerID? = nil) async throws -> ReconciliationRun {
        let started = clock.nowMicros()
        // Demo accounts hold virtual money the ledger never sees: only live servers are reconciled.
        let live = Set(try await servers.all().filter { $0.environment == .live }.map(\.id))
        let targets = try await accounts.list(serverID: serverID, status: .active, limit: 1_000_000).filter { live.contains($0.serverID) }
        var differences: [(TradingAccountRecord, ReconciliationDifference)] = []
        var errors: [String] = []
        for account in targets {
            do {
                for difference in try await reconcile(account) { differences.append((account, difference)) }
            } catch {
                errors.append("\(account.reference): \(error)")
                logger.warning("cannot reconcile account", metadata: ["account": "\(account.reference)", "error": "\(error)"])
            }
        }
        let finished = clock.nowMicros()
        let errorText = String(errors.joined(separator: "; ").prefix(2_000))
        let dialect = db.dialect
        let found = differences
        let runID: Int64 = try await db.transaction { sql in
            let row = try await sql.raw("""
                INSERT INTO reconciliation_runs (started_at, finished_at, accounts, differences, error)
                VALUES (\(bind: started), \(bind: finished), \(bind: targets.count), \(bind: found.count), \(bind: errorText)) RETURNING id
                """).first()
            guard let runID = try row?.decode(column: "id", as: Int64.self) else { throw StorageError.brokenInvariant("the database returned no id for a new reconciliation run") }
            for (account, difference) in found {
                // Unchanged since someone resolved it: carried over as resolved.
                let earlier = try await sql.raw("""
                    SELECT resolution, resolved_by, resolved_at FROM reconciliation_items
                    WHERE server_id = \(bind: account.serverID) AND login = \(bind: Int64(bitPattern: account.login.value))
                      AND check_kind = \(bind: difference.check.rawValue) AND reference = \(bind: difference.reference)
                      AND pipstack_amount = \(bind: difference.pipstackAmount) AND server_amount = \(bind: difference.serverAmount)
                      AND status = 'resolved' ORDER BY id DESC LIMIT 1
                    """).first()
                try await sql.raw("""
                    INSERT INTO reconciliation_items (run_id, server_id, login, check_kind, reference, currency, pipstack_amount, server_amount,
                        detail, status, resolution, resolved_by, resolved_at)
                    VALUES (\(bind: runID), \(bind: account.serverID), \(bind: Int64(bitPattern: account.login.value)), \(bind: difference.check.rawValue),
                        \(bind: difference.reference), \(bind: difference.currency), \(bind: difference.pipstackAmount), \(bind: difference.serverAmount),
                        \(bind: difference.detail), \(bind: earlier == nil ? "open" : "resolved"),
                        \(bind: try earlier?.decode(column: "resolution", as: String.self) ?? ""),
                        \(bind: try earlier?.decode(column: "resolved_by", as: String.self) ?? ""),
                        \(bind: try earlier?.decode(column: "resolved_at", as: Int64.self) ?? 0))
                    """).run()
            }
            try await AuditLog.append(AuditContext.system.entry("reconciliation.run", entityType: "reconciliation_run", entityID: "\(runID)",
                                                                after: AuditJSON.text(["accounts": targets.count, "differences": found.count])),
                                      at: finished, on: sql, dialect: dialect)
            return runID
        }
        logger.info("reconciliation finished", metadata: ["run": "\(runID)", "accounts": "\(targets.count)", "differences": "\(found.count)"])
        return ReconciliationRun(id: runID, startedAt: started, finishedAt: finished, accounts: targets.count, differences: found.count, error: errorText)
    }

    /// The differences on one account, from both sides read now.
    public func reconcile(_ account: TradingAccountRecord) async throws -> [ReconciliationDifference] {
        guard let currency = Currency(code: account.currency) else { throw StorageError.corruptRow(table: "trading_accounts", row: "\(account.serverID):\(account.login)", "unknown currency \(account.currency)") }
        let platform = try await platforms.platform(for: account.serverID)
        // Balance first, then history: a deal landing in between shows as a
        // history difference, so both are read again once before reporting one.
        var server = try await serverView(platform, account.login)
        let pipstack = try await pipstackView(account, currency: currency)
        var differences = ReconciliationCheck.differences(pipstack: pipstack, server: server)
        if !differences.isEmpty {
            server = try await serverView(platform, account.login)
            differences = ReconciliationCheck.differences(pipstack: try await pipstackView(account, currency: currency), server: server)
        }
        return differences
    }

    func serverView(_ platform: any TradingPlatform, _ login: TradingLogin) async throws -> ServerAccountView {
        let state = try await platform.account(login)
        let now = try await platform.serverTime() / 1_000_000
        let deals = try await platform.deals(DealQuery(scope: .logins([login]), from: 0, to: now + 86_400))
        return ServerAccountView(balance: state.balance, deals: deals)
    }

    func pipstackView(_ account: TradingAccountRecord, currency: Currency) async throws -> PipstackAccountView {
        let records = try await operations.operations(serverID: account.serverID, login: account.login, limit: 100_000)
        let finished = records.filter { $0.status == .done || $0.status == .failed }.map { record in
            PipstackAccountView.Operation(id: record.id, kind: record.kind,
                                          signedAmount: TradingPostingRules.signedAmount(of: record.kind, amount: record.amount),
                                          done: record.status == .done, dealTicket: record.dealTicket)
        }
        let mirror = TradingPostingRules.mirror(serverID: account.serverID, login: account.login, currency: currency)
        let tickets = try await deals.tickets(serverID: account.serverID, login: account.login)
        let cursor = try await deals.syncState(of: account.serverID)?.cursorTime ?? 0
        // A minute of margin: deals of the last window may still be on their way.
        return PipstackAccountView(currency: currency, operations: finished, ledgerBalance: try await ledger.balance(of: mirror),
                                   syncedTickets: tickets, syncedUpTo: (cursor - 60) * 1_000_000)
    }

    // MARK: Report

    public func runs(limit: Int = 50) async throws -> [ReconciliationRun] {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM reconciliation_runs ORDER BY id DESC LIMIT \(bind: limit)").all().map { row in
                ReconciliationRun(id: try row.decode(column: "id", as: Int64.self), startedAt: try row.decode(column: "started_at", as: Int64.self),
                                  finishedAt: try row.decode(column: "finished_at", as: Int64.self), accounts: try row.decode(column: "accounts", as: Int.self),
                                  differences: try row.decode(column: "differences", as: Int.self), error: try row.decode(column: "error", as: String.self))
            }
        }
    }

    /// A run's items, optionally one account's or only open ones.
    public func items(runID: Int64, serverID: ServerID? = nil, login: TradingLogin? = nil, openOnly: Bool = false) async throws -> [ReconciliationItem] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM reconciliation_items WHERE run_id = \(bind: runID)
                  AND (\(bind: serverID ?? "") = '' OR server_id = \(bind: serverID ?? ""))
                  AND (\(bind: Int64(bitPattern: login?.value ?? 0)) = 0 OR login = \(bind: Int64(bitPattern: login?.value ?? 0)))
                  AND (\(bind: openOnly ? 1 : 0) = 0 OR status = 'open')
                ORDER BY server_id, login, id
                """).all().map(Self.decodeItem)
        }
    }

    public func item(_ id: Int64) async throws -> ReconciliationItem? {
        try await db.read { sql in try await sql.raw("SELECT * FROM reconciliation_items WHERE id = \(bind: id)").first().map(Self.decodeItem) }
    }

    /// Marks a difference resolved with the reason, audited. Resolving twice is refused.
    public func resolve(itemID: Int64, resolution: String, audit: AuditContext) async throws {
        let text = resolution.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (3...1_000).contains(text.count) else { throw BalanceOperationError.invalid(field: "resolution", "say what was done, 3 to 1000 characters") }
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE reconciliation_items SET status = 'resolved', resolution = \(bind: text), resolved_by = \(bind: audit.actor), resolved_at = \(bind: now)
                WHERE id = \(bind: itemID) AND status = 'open' RETURNING id
                """).all()
            guard !rows.isEmpty else { throw StorageError.notFound("open reconciliation item \(itemID)") }
            try await AuditLog.append(audit.entry("reconciliation.resolve", entityType: "reconciliation_item", entityID: "\(itemID)",
                                                  after: AuditJSON.text(["resolution": text])), at: now, on: sql, dialect: dialect)
        }
    }

    static func decodeItem(_ row: any SQLRow) throws -> ReconciliationItem {
        let checkText = try row.decode(column: "check_kind", as: String.self)
        guard let check = ReconciliationDifference.Check(rawValue: checkText) else { throw StorageError.corruptRow(table: "reconciliation_items", row: "\((try? row.decode(column: "id", as: Int64.self)) ?? 0)", "unknown check \(checkText)") }
        return ReconciliationItem(
            id: try row.decode(column: "id", as: Int64.self), runID: try row.decode(column: "run_id", as: Int64.self),
            serverID: try row.decode(column: "server_id", as: ServerID.self),
            login: TradingLogin(UInt64(bitPattern: try row.decode(column: "login", as: Int64.self))),
            difference: ReconciliationDifference(check: check, reference: try row.decode(column: "reference", as: String.self),
                                                 currency: try row.decode(column: "currency", as: String.self),
                                                 pipstackAmount: try row.decode(column: "pipstack_amount", as: Int64.self),
                                                 serverAmount: try row.decode(column: "server_amount", as: Int64.self),
                                                 detail: try row.decode(column: "detail", as: String.self)),
            status: ReconciliationItem.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            resolution: try row.decode(column: "resolution", as: String.self), resolvedBy: try row.decode(column: "resolved_by", as: String.self),
            resolvedAt: try row.decode(column: "resolved_at", as: Int64.self))
    }
}
