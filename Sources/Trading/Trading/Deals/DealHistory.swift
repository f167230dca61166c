import BrokerCore
import Platform
import SQLKit

/// Trading's published reads of stored deals for other slices (commissions' books,
/// recalculation, what-if and the bonus-coefficient filter), so that none of them
/// reads `trade_deals` itself. Amounts are the platform's units; credit is the
/// broker's loan, kept apart from the balance.
public struct DealHistory: Sendable {
    let db: Database

    public init(db: Database) { self.db = db }

    /// Balance and credit from every deal of the account before `time`.
    public func totals(account: TradingAccountKey, before time: Int64) async throws -> (balance: Int64, credit: Int64) {
        try await db.read { sql in
            let row = try await sql.raw("""
                SELECT CAST(COALESCE(SUM(CASE WHEN action = \(bind: Int(DealAction.credit.rawValue)) THEN 0 ELSE profit + commission + swap + fee END), 0) AS BIGINT) AS balance,
                       CAST(COALESCE(SUM(CASE WHEN action = \(bind: Int(DealAction.credit.rawValue)) THEN profit ELSE 0 END), 0) AS BIGINT) AS credit
                FROM trade_deals WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin) AND time_us < \(bind: time)
                """).first()
            return (try row?.decode(column: "balance", as: Int64.self) ?? 0, try row?.decode(column: "credit", as: Int64.self) ?? 0)
        }
    }

    /// Each deal's money movement in `[from, to)`, in time order: a credit deal moves
    /// credit by its profit, any other deal the balance by its profit, commission, swap and fee.
    public func movements(account: TradingAccountKey, from: Int64, to: Int64) async throws -> [(time: Int64, action: Int64, amount: Int64)] {
        guard from < to else { return [] }
        return try await db.read { sql in
            try await sql.raw("""
                SELECT time_us, action, profit + commission + swap + fee AS total, profit FROM trade_deals
                WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin) AND time_us >= \(bind: from) AND time_us < \(bind: to) ORDER BY time_us
                """).all().map { row in
                let action = try row.decode(column: "action", as: Int64.self)
                let amount = action == Int64(DealAction.credit.rawValue) ? try row.decode(column: "profit", as: Int64.self) : try row.decode(column: "total", as: Int64.self)
                return (try row.decode(column: "time_us", as: Int64.self), action, amount)
            }
        }
    }

    /// Every symbol deals were stored for, with the most digits its prices had, by symbol:
    /// the instruments books and the catalog list. Inside the caller's read.
    public static func tradedSymbols(on sql: any SQLDatabase) async throws -> [(symbol: String, digits: Int)] {
        try await sql.raw("SELECT symbol, MAX(digits) AS digits FROM trade_deals WHERE symbol <> '' GROUP BY symbol ORDER BY symbol").all().map {
            (try $0.decode(column: "symbol", as: String.self), try $0.decode(column: "digits", as: Int.self))
        }
    }

    /// Deals the feed holds after `after` up to `upTo` (both feed positions) whose time is
    /// in [from, to), in feed order, at most `limit`: what a consumer recomputes.
    public func feed(after: Int64, upTo: Int64, from: Int64, to: Int64, limit: Int = 500) async throws -> [FeedDeal] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM trade_deals WHERE feed_seq > \(bind: after) AND feed_seq <= \(bind: upTo)
                    AND time_us >= \(bind: from) AND time_us < \(bind: to) ORDER BY feed_seq LIMIT \(bind: limit)
                """).all().map(Self.feedDeal)
        }
    }

    /// Deals whose time is in [from, to), in (time, server, ticket) order, a page of at
    /// most `limit` after the deal `after` names (nil: from the start).
    public func deals(from: Int64, to: Int64, after: (time: Int64, server: ServerID, ticket: Int64)?, limit: Int = 5_000) async throws -> [FeedDeal] {
        try await db.read { sql in
            let (time, server, ticket) = after ?? (from - 1, "", Int64.max)
            return try await sql.raw("""
                SELECT * FROM trade_deals WHERE time_us >= \(bind: from) AND time_us < \(bind: to)
                  AND (time_us > \(bind: time) OR (time_us = \(bind: time) AND (server_id > \(bind: server) OR (server_id = \(bind: server) AND ticket > \(bind: ticket)))))
                ORDER BY time_us, server_id, ticket LIMIT \(bind: limit)
                """).all().map(Self.feedDeal)
        }
    }

    /// A whole `trade_deals` row as the feed hands it out.
    static func feedDeal(_ row: any SQLRow) throws -> FeedDeal {
        FeedDeal(seq: try row.decode(column: "feed_seq", as: Int64.self), serverID: try row.decode(column: "server_id", as: ServerID.self),
                 deal: try DealStore.decode(row), replaces: try row.decode(column: "replaces_seq", as: Int64.self))
    }

    /// Which deal and moment a feed position stored (its current version, or an earlier
    /// version the server later corrected or cancelled).
    public struct Version: Sendable, Equatable {
        public let serverID: ServerID
        public let ticket: UInt64
        public let symbol: String
        public let time: Int64
    }

    /// The deal versions stored at `feedPositions`, by position; positions nothing was stored at are left out.
    public func versions(at feedPositions: [Int64]) async throws -> [Int64: Version] {
        var found: [Int64: Version] = [:]
        for start in stride(from: 0, to: feedPositions.count, by: 500) {
            let chunk = Array(feedPositions[start..<min(feedPositions.count, start + 500)])
            let rows = try await db.read { sql in
                try await sql.raw("""
                    SELECT feed_seq, server_id, ticket, symbol, time_us FROM trade_deals WHERE feed_seq IN (\(binds: chunk))
                    UNION ALL SELECT feed_seq, server_id, ticket, symbol, time_us FROM trade_deal_revisions WHERE feed_seq IN (\(binds: chunk))
                    """).all()
            }
            for row in rows {
                found[try row.decode(column: "feed_seq", as: Int64.self)] = Version(
                    serverID: try row.decode(column: "server_id", as: ServerID.self),
                    ticket: UInt64(bitPattern: try row.decode(column: "ticket", as: Int64.self)),
                    symbol: try row.decode(column: "symbol", as: String.self), time: try row.decode(column: "time_us", as: Int64.self))
            }
        }
        return found
    }

    /// The feed positions of every stored version of one deal, in feed order.
    public func feedPositions(server: ServerID, ticket: UInt64) async throws -> [Int64] {
        let signed = Int64(bitPattern: ticket)
        return try await db.read { sql in
            try await sql.raw("""
                SELECT feed_seq FROM trade_deals WHERE server_id = \(bind: server) AND ticket = \(bind: signed)
                UNION SELECT feed_seq FROM trade_deal_revisions WHERE server_id = \(bind: server) AND ticket = \(bind: signed)
                ORDER BY feed_seq
                """).all().map { try $0.decode(column: "feed_seq", as: Int64.self) }
        }
    }

    /// The current version of one deal, nil when none is stored.
    public func deal(server: ServerID, ticket: UInt64) async throws -> TradeDeal? {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM trade_deals WHERE server_id = \(bind: server) AND ticket = \(bind: Int64(bitPattern: ticket))").first()
                .map(DealStore.decode)
        }
    }

    /// The first balance deposit made on the server directly (a deposit the server has
    /// that is none of Pipstack's balance operations): when, and the amount (10^-8 of
    /// the account currency). Inside the caller's read.
    public static func firstDirectDeposit(account: TradingAccountKey, on sql: any SQLDatabase) async throws -> (at: Int64, amount: Int64)? {
        guard let row = try await sql.raw("""
            SELECT d.time_us, d.profit FROM trade_deals d
            WHERE d.server_id = \(bind: account.server) AND d.login = \(bind: account.storedLogin) AND d.action = \(bind: Int(DealAction.balance.rawValue))
                AND d.profit > 0 AND NOT EXISTS (SELECT 1 FROM balance_operations b
                    WHERE b.server_id = d.server_id AND b.login = d.login AND b.deal_ticket = d.ticket)
            ORDER BY d.time_us LIMIT 1
            """).first() else { return nil }
        return (try row.decode(column: "time_us", as: Int64.self), try row.decode(column: "profit", as: Int64.self))
    }

    /// Trades that closed (or reversed) positions on the account in [from, to], in time
    /// order: when, the symbol and the volume (10^-8 lots). Inside the caller's read.
    public static func closingTrades(account: TradingAccountKey, from: Int64, to: Int64,
                                     on sql: any SQLDatabase) async throws -> [(at: Int64, symbol: String, volume: Int64)] {
        try await sql.raw("""
            SELECT time_us, symbol, volume FROM trade_deals
            WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin) AND time_us >= \(bind: from) AND time_us <= \(bind: to)
                AND action IN (\(bind: Int(DealAction.buy.rawValue)), \(bind: Int(DealAction.sell.rawValue))) AND entry <> \(bind: Int(DealEntry.entryIn.rawValue))
            ORDER BY time_us
            """).all().map {
            (try $0.decode(column: "time_us", as: Int64.self), try $0.decode(column: "symbol", as: String.self), try $0.decode(column: "volume", as: Int64.self))
        }
    }

    /// What the account's trades came to in [from, to) (profit, swap, commission and fee,
    /// 10^-8 of the account currency) and, when `byVolume`, the closing volume per symbol.
    /// Inside the caller's read.
    public static func tradeTotals(account: TradingAccountKey, from: Int64, to: Int64, byVolume: Bool,
                                   on sql: any SQLDatabase) async throws -> (result: Int64, volumes: [(symbol: String, volume: Int64)]) {
        let result = try await sql.raw("""
            SELECT CAST(COALESCE(SUM(profit + swap + commission + fee), 0) AS BIGINT) AS client
            FROM trade_deals WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin) AND action IN (0, 1)
                AND time_us >= \(bind: from) AND time_us < \(bind: to)
            """).first()?.decode(column: "client", as: Int64.self) ?? 0
        let volumes = !byVolume ? [] : try await sql.raw("""
            SELECT symbol, CAST(SUM(volume) AS BIGINT) AS volume FROM trade_deals
            WHERE server_id = \(bind: account.server) AND login = \(bind: account.storedLogin) AND action IN (0, 1) AND entry <> 0
                AND time_us >= \(bind: from) AND time_us < \(bind: to) GROUP BY symbol
            """).all().map { (try $0.decode(column: "symbol", as: String.self), try $0.decode(column: "volume", as: Int64.self)) }
        return (result, volumes)
    }

    /// How long each deal of `server` executed from `since` took to be stored (synced at − executed), in microseconds.
    public func syncLatencies(server: ServerID, since: Int64) async throws -> [Int64] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT synced_at - time_us AS latency FROM trade_deals WHERE server_id = \(bind: server) AND time_us >= \(bind: since)
                """).all().map { try $0.decode(column: "latency", as: Int64.self) }
        }
    }
}
