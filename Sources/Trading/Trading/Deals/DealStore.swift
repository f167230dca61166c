import BrokerCore
import Money
import SQLKit
import Platform

/// A window of deals read from one trade server, stored together with the sync
/// cursor it advances: after a crash, the cursor never claims deals that were not
/// stored, and stored deals are never stored twice.
public struct DealSyncBatch: Sendable {
    public let serverID: ServerID
    public let deals: [TradeDeal]
    /// Server time (seconds) up to which every deal has been read. The stored
    /// cursor only moves forward; a re-sync of an old range passes the current one.
    public let cursorTime: Int64

    public init(serverID: ServerID, deals: [TradeDeal], cursorTime: Int64) {
        self.serverID = serverID
        self.deals = deals
        self.cursorTime = cursorTime
    }
}

/// What both deal writers do with a (server, ticket) they have stored already: an
/// identical deal is skipped; a changed one (a dealer's correction or cancellation)
/// replaces the stored version under the new feed position, remembering the old
/// position in `replaces_seq` (the old version goes to `trade_deal_revisions`).
enum DealRevision {
    static let contentColumns = ["login", "action", "entry", "reason", "order_ticket", "position_id", "symbol", "time_us", "price_points",
                                 "digits", "volume", "contract_size", "profit", "commission", "swap", "fee", "comment", "external_id", "spread_points"]

    /// The batch with each (ticket) once, its last version winning: one statement
    /// may not update the same row twice on PostgreSQL.
    static func lastOfEach(_ deals: [TradeDeal]) -> [TradeDeal] {
        var seen: Set<UInt64> = []
        guard deals.contains(where: { !seen.insert($0.ticket).inserted }) else { return deals }
        var last: [UInt64: Int] = [:]
        for (index, deal) in deals.enumerated() { last[deal.ticket] = index }
        return deals.enumerated().filter { last[$0.element.ticket] == $0.offset }.map(\.element)
    }

    static let onConflict: String = {
        let set = (contentColumns + ["feed_seq", "synced_at"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let stored = contentColumns.map { "trade_deals.\($0)" }.joined(separator: ", ")
        let incoming = contentColumns.map { "excluded.\($0)" }.joined(separator: ", ")
        return """
             ON CONFLICT (server_id, ticket) DO UPDATE SET \(set), replaces_seq = trade_deals.feed_seq, revision = trade_deals.revision + 1
            WHERE (\(stored)) <> (\(incoming))
            """
    }()
}

/// Writes deal batches with set-based statements (the SQLite C API or PostgreSQL
/// `unnest`), one transaction per batch. Returns how many deals were new.
public protocol DealWriter: Sendable {
    func store(_ batch: DealSyncBatch, at time: Int64) async throws -> Int
}

/// Where a server's sync stands.
public struct DealSyncState: Sendable, Equatable, Codable {
    public let serverID: ServerID
    public let cursorTime: Int64
    public let dealsStored: Int64
    public let lastSyncedAt: Int64
    public let lastError: String
}

/// A deal as the feed delivers it: its place in the feed and its server.
public struct FeedDeal: Sendable, Equatable {
    public let seq: Int64
    public let serverID: ServerID
    public let deal: TradeDeal
    /// The feed position of the version this one replaces (a correction or a
    /// cancellation by the server), 0 for a deal seen the first time.
    public let replaces: Int64

    public init(seq: Int64, serverID: ServerID, deal: TradeDeal, replaces: Int64 = 0) {
        self.seq = seq
        self.serverID = serverID
        self.deal = deal
        self.replaces = replaces
    }
}

/// Deals synced from trade servers: stored once per (server, ticket), readable per
/// account, and published in storage order through the deal feed.
public struct DealStore: Sendable {
    public let db: Database
    public let writer: any DealWriter
    public let reader: DealReader
    private let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock = SystemClock()) throws {
        self.db = db
        self.clock = clock
        writer = try db.bulk(sqlite: { try SQLiteDealWriter(path: $0) }, postgres: { PostgresDealWriter(client: $0, logger: $1) })
        reader = DealReader(db: db)
    }

    /// Stores new deals, skips known ones, and advances the cursor, atomically.
    @discardableResult
    public func store(_ batch: DealSyncBatch) async throws -> Int {
        try await writer.store(batch, at: clock.nowMicros())
    }

    public func syncState(of serverID: ServerID) async throws -> DealSyncState? {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM deal_sync_state WHERE server_id = \(bind: serverID)").first().map { row in
                DealSyncState(serverID: serverID, cursorTime: try row.decode(column: "cursor_time", as: Int64.self),
                              dealsStored: try row.decode(column: "deals_stored", as: Int64.self),
                              lastSyncedAt: try row.decode(column: "last_synced_at", as: Int64.self),
                              lastError: try row.decode(column: "last_error", as: String.self))
            }
        }
    }

    /// Records why the last sync attempt failed, for the back office; the cursor stays.
    public func recordSyncError(_ serverID: ServerID, _ message: String) async throws {
        let now = clock.nowMicros()
        let text = String(message.prefix(1_000))
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO deal_sync_state (server_id, cursor_time, deals_stored, last_synced_at, last_error, updated_at)
                VALUES (\(bind: serverID), 0, 0, 0, \(bind: text), \(bind: now))
                ON CONFLICT (server_id) DO UPDATE SET last_error = excluded.last_error, updated_at = excluded.updated_at
                """).run()
        }
    }

    /// How many trading accounts traded on each UTC day in [from, to), over all trade
    /// servers, of one brand or of all, keyed by the day's first microsecond (`ActiveDays`).
    public func activeAccountsPerDay(from: Int64, to: Int64, brand: BrandID? = nil) async throws -> [Int64: Int64] {
        try await db.read { sql in
            var counts: [Int64: Int64] = [:]
            for row in try await sql.raw("""
                SELECT day, CAST(SUM(accounts) AS BIGINT) AS accounts FROM trade_active_day_counts
                WHERE day >= \(bind: from) AND day < \(bind: to) \(TradingAccountStore.brandFilter(brand)) GROUP BY day
                """).all() {
                counts[try row.decode(column: "day", as: Int64.self)] = try row.decode(column: "accounts", as: Int64.self)
            }
            return counts
        }
    }

    /// One account's deals, newest first.
    public func deals(serverID: ServerID, login: TradingLogin, limit: Int = 100) async throws -> [TradeDeal] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM trade_deals WHERE server_id = \(bind: serverID) AND login = \(bind: Int64(bitPattern: login.value))
                ORDER BY time_us DESC, ticket DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    /// A server's stored trades (buys and sells, cancelled ones left out) with time in
    /// [from, to) (microseconds), in time order.
    public func trades(serverID: ServerID, from: Int64, to: Int64) async throws -> [TradeDeal] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM trade_deals WHERE server_id = \(bind: serverID) AND time_us >= \(bind: from) AND time_us < \(bind: to)
                    AND action IN (\(bind: Int(DealAction.buy.rawValue)), \(bind: Int(DealAction.sell.rawValue))) ORDER BY time_us, ticket
                """).all().map(Self.decode)
        }
    }

    /// The tickets of one account's stored deals.
    public func tickets(serverID: ServerID, login: TradingLogin) async throws -> Set<UInt64> {
        try await db.read { sql in
            Set(try await sql.raw("""
                SELECT ticket FROM trade_deals WHERE server_id = \(bind: serverID) AND login = \(bind: Int64(bitPattern: login.value))
                """).all().map { UInt64(bitPattern: try $0.decode(column: "ticket", as: Int64.self)) })
        }
    }

    public func count(serverID: ServerID) async throws -> Int64 {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM trade_deals WHERE server_id = \(bind: serverID)").first()?
                .decode(column: "n", as: Int64.self) ?? 0
        }
    }

    /// Sends stored deals through the feed again, unchanged, as new versions (each
    /// replacing its current one): its consumers then redo them, the commission
    /// pipeline by reversing what it stored and computing them afresh. Returns how
    /// many were requeued. Runs in the caller's transaction when given one.
    public func requeue(feedPositions: [Int64], on sql: any SQLDatabase) async throws -> Int {
        guard !feedPositions.isEmpty else { return 0 }
        let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
        guard let head = try await sql.raw("SELECT seq FROM deal_feed_head WHERE id = 1\(unsafeRaw: lock)").first()?
            .decode(column: "seq", as: Int64.self) else { throw StorageError.notFound("deal feed head") }
        let now = clock.nowMicros()
        var requeued = 0
        for (index, position) in feedPositions.enumerated() {
            requeued += try await sql.raw("""
                UPDATE trade_deals SET replaces_seq = feed_seq, feed_seq = \(bind: head + Int64(index) + 1), revision = revision + 1,
                    synced_at = \(bind: now) WHERE feed_seq = \(bind: position) RETURNING feed_seq
                """).all().count
        }
        try await sql.raw("UPDATE deal_feed_head SET seq = \(bind: head + Int64(feedPositions.count)) WHERE id = 1").run()
        return requeued
    }

    /// Deals stored after feed position `seq`, in feed order.
    public func feed(after seq: Int64, limit: Int = 1_000) async throws -> [FeedDeal] {
        try await reader.feed(after: seq, limit: limit)
    }

    /// A `trade_deals` row read through SQLKit (any query that selects the deal's columns).
    public static func decode(_ row: any SQLRow) throws -> TradeDeal {
        try DealFeedColumns.deal({ try row.decode(column: DealFeedColumns.names[$0], as: Int64.self) },
                                 { try row.decode(column: DealFeedColumns.names[$0], as: String.self) })
    }
}
