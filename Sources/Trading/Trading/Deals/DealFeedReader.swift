import BrokerCore
import Logging
import Money
import PostgresNIO
import Platform

/// A position on a trade server.
public struct PositionKey: Hashable, Sendable {
    public let server: ServerID
    public let position: UInt64

    public init(server: ServerID, position: UInt64) {
        self.server = server
        self.position = position
    }
}

/// When and at what price a position was opened (its first entry-in deal).
public struct PositionOpening: Sendable, Equatable {
    public let time: Int64
    public let pricePoints: Int64
}

/// Reads of stored deals on the commission engine's hot path: the feed in storage
/// order, and the openings of the positions that closing deals close (hold-time and
/// price-move filters need them). SQLite through its own C-API connection,
/// PostgreSQL through PostgresNIO's typed rows, never SQLKit's by-name decoding.
public struct DealReader: Sendable {
    let backend: any DealFeedReader

    /// Opens nothing yet: the SQLite connection is opened on first use.
    public init(db: Database) {
        backend = db.bulk(sqlite: { SQLiteDealFeedReader(path: $0) }, postgres: { PostgresDealFeedReader(client: $0, logger: $1) })
    }

    /// Deals stored after feed position `seq`, in feed order.
    public func feed(after seq: Int64, limit: Int) async throws -> [FeedDeal] {
        try await backend.feed(after: seq, limit: limit)
    }

    /// The openings of the positions closing deals among `deals` close.
    public func openings(for deals: [(server: ServerID, deal: TradeDeal)]) async throws -> [PositionKey: PositionOpening] {
        var keys: Set<PositionKey> = []
        for (server, deal) in deals where deal.entry != .entryIn && deal.positionID != 0 {
            keys.insert(PositionKey(server: server, position: deal.positionID))
        }
        return keys.isEmpty ? [:] : try await backend.openings(of: Array(keys))
    }
}

protocol DealFeedReader: Sendable {
    func feed(after seq: Int64, limit: Int) async throws -> [FeedDeal]
    func openings(of positions: [PositionKey]) async throws -> [PositionKey: PositionOpening]
}

/// A stored deal's columns, and the one place a row of them becomes a `TradeDeal`,
/// whoever reads it (the SQLite C API, PostgresNIO or SQLKit).
enum DealFeedColumns {
    static let names = ["feed_seq", "server_id", "ticket", "login", "action", "entry", "reason", "order_ticket", "position_id", "symbol",
                        "time_us", "price_points", "digits", "volume", "contract_size", "profit", "commission", "swap", "fee", "comment",
                        "external_id", "replaces_seq", "spread_points"]
    static let list = names.joined(separator: ", ")

    /// The deal in a row of `names`' columns, read by position: `int` and `text` read a column.
    @inline(__always)
    static func deal(_ int: (Int) throws -> Int64, _ text: (Int) throws -> String) throws -> TradeDeal {
        let actionCode = try int(4), entryCode = try int(5)
        guard let action = DealAction(rawValue: Int(actionCode)), let entry = DealEntry(rawValue: Int(entryCode)) else {
            throw StorageError.corruptRow(table: "trade_deals", row: "ticket \((try? int(2)) ?? 0)", "unknown action \(actionCode) or entry \(entryCode)")
        }
        return TradeDeal(
            ticket: UInt64(bitPattern: try int(2)), login: TradingLogin(UInt64(bitPattern: try int(3))),
            order: UInt64(bitPattern: try int(7)), positionID: UInt64(bitPattern: try int(8)), action: action, entry: entry,
            reason: Int(try int(6)), symbol: try text(9), time: try int(10),
            price: Price(points: try int(11), digits: Int(try int(12))), volume: Volume(units: try int(13)),
            contractSize: try int(14), profit: PlatformAmount(units: try int(15)), commission: PlatformAmount(units: try int(16)),
            swap: PlatformAmount(units: try int(17)), fee: PlatformAmount(units: try int(18)),
            comment: try text(19), externalID: try text(20), marketSpreadPoints: try int(22))
    }
}

/// The SQLite reader: one read connection on its own queue (WAL lets it read while
/// the writers write). `DealReader` is made where nothing may throw, so a connection
/// that failed to open reports its error on first use.
final class SQLiteDealFeedReader: DealFeedReader, Sendable {
    private let connection: Result<SQLiteConnectionQueue, any Error>

    init(path: String) {
        connection = Result { try SQLiteConnectionQueue(path: path, label: "pipstack.deals.sqlite-feed", writes: false) }
    }

    func feed(after seq: Int64, limit: Int) async throws -> [FeedDeal] {
        try await connection.get().run { handle in try Self.read(after: seq, limit: limit, on: handle) }
    }

    func openings(of positions: [PositionKey]) async throws -> [PositionKey: PositionOpening] {
        try await connection.get().run { handle in try Self.readOpenings(positions, on: handle) }
    }

    /// One indexed point lookup per position, a few microseconds each.
    private static func readOpenings(_ positions: [PositionKey], on handle: SQLiteHandle) throws -> [PositionKey: PositionOpening] {
        let statement = try handle.statement("""
            SELECT time_us, price_points FROM trade_deals INDEXED BY trade_deals_position
            WHERE server_id = ?1 AND position_id = ?2 AND entry = 0 ORDER BY time_us LIMIT 1
            """)
        var openings: [PositionKey: PositionOpening] = [:]
        openings.reserveCapacity(positions.count)
        for key in positions {
            statement.bind(1, key.server)
            statement.bind(2, Int64(bitPattern: key.position))
            if try statement.step() { openings[key] = PositionOpening(time: statement.int64(0), pricePoints: statement.int64(1)) }
            statement.reset()
        }
        return openings
    }

    private static func read(after seq: Int64, limit: Int, on handle: SQLiteHandle) throws -> [FeedDeal] {
        let statement = try handle.statement("SELECT \(DealFeedColumns.list) FROM trade_deals WHERE feed_seq > ?1 ORDER BY feed_seq LIMIT ?2")
        defer { statement.reset() }
        statement.bind(1, seq)
        statement.bind(2, Int64(limit))
        var deals: [FeedDeal] = []
        deals.reserveCapacity(limit)
        var server = ServerID("")
        while try statement.step() {
            // Consecutive deals mostly share a server: keep one string for them.
            if !statement.textEquals(1, server.rawValue) { server = ServerID(statement.text(1)) }
            let deal = try DealFeedColumns.deal({ statement.int64(Int32($0)) }, { statement.text(Int32($0)) })
            deals.append(FeedDeal(seq: statement.int64(0), serverID: server, deal: deal, replaces: statement.int64(21)))
        }
        return deals
    }
}

/// The PostgreSQL reader: one query per batch, rows decoded by position and type.
struct PostgresDealFeedReader: DealFeedReader {
    let client: PostgresClient
    let logger: Logger

    func feed(after seq: Int64, limit: Int) async throws -> [FeedDeal] {
        let query = PostgresQuery(unsafeSQL: "SELECT \(DealFeedColumns.list) FROM trade_deals WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
                                  binds: try Self.binds(seq, Int64(limit)))
        let rows = try await client.query(query, logger: logger)
        var deals: [FeedDeal] = []
        deals.reserveCapacity(limit)
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func int(_ column: Int) throws -> Int64 { try cells[column].decode(Int64.self) }
            let deal = try DealFeedColumns.deal(int, { try cells[$0].decode(String.self) })
            deals.append(FeedDeal(seq: try int(0), serverID: ServerID(try cells[1].decode(String.self)), deal: deal, replaces: try int(21)))
        }
        return deals
    }

    func openings(of positions: [PositionKey]) async throws -> [PositionKey: PositionOpening] {
        let servers = positions.map(\.server.rawValue), ids = positions.map { Int64(bitPattern: $0.position) }
        let rows = try await client.query("""
            SELECT w.server_id, w.position_id, d.time_us, d.price_points
            FROM unnest(\(servers)::text[], \(ids)::bigint[]) AS w(server_id, position_id)
            CROSS JOIN LATERAL (SELECT time_us, price_points FROM trade_deals t
                WHERE t.server_id = w.server_id AND t.position_id = w.position_id AND t.entry = 0 ORDER BY t.time_us LIMIT 1) AS d
            """, logger: logger)
        var openings: [PositionKey: PositionOpening] = [:]
        for try await (server, position, time, price) in rows.decode((String, Int64, Int64, Int64).self) {
            openings[PositionKey(server: ServerID(server), position: UInt64(bitPattern: position))] = PositionOpening(time: time, pricePoints: price)
        }
        return openings
    }

    static func binds(_ values: Int64...) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
