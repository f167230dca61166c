import BrokerCore
import Dispatch
import Logging
import Money
import PostgresNIO

/// Reads the deal feed in storage order. The commission pipeline reads every deal
/// once, so this is a hot path: SQLite through its own C-API connection, PostgreSQL
/// through PostgresNIO's typed rows, never SQLKit's by-name decoding.
protocol DealFeedReader: Sendable {
    func feed(after seq: Int64, limit: Int) async throws -> [FeedDeal]
}

enum DealFeedColumns {
    static let list = """
        feed_seq, server_id, ticket, login, action, entry, reason, order_ticket, position_id, symbol, time_us, price_points, digits,
        volume, contract_size, profit, commission, swap, fee, comment, external_id
        """

    static func deal(action: Int64, entry: Int64) throws -> (DealAction, DealEntry) {
        guard let action = DealAction(rawValue: Int(action)), let entry = DealEntry(rawValue: Int(entry)) else {
            throw StorageError.conflict("stored deal with an unknown action \(action) or entry \(entry)")
        }
        return (action, entry)
    }
}

/// The SQLite reader: one read connection on its own serial queue (WAL lets it read
/// while the writers write).
final class SQLiteDealFeedReader: DealFeedReader, @unchecked Sendable {
    // `handle` is touched only on `queue`.
    private let handle: SQLiteHandle
    private let queue = DispatchQueue(label: "pipstack.deals.sqlite-feed")

    init(path: String) throws {
        handle = try SQLiteHandle(path: path)
    }

    func feed(after seq: Int64, limit: Int) async throws -> [FeedDeal] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.read(after: seq, limit: limit) }) }
        }
    }

    private func read(after seq: Int64, limit: Int) throws -> [FeedDeal] {
        let statement = try handle.statement("SELECT \(DealFeedColumns.list) FROM trade_deals WHERE feed_seq > ?1 ORDER BY feed_seq LIMIT ?2")
        defer { statement.reset() }
        statement.bind(1, seq)
        statement.bind(2, Int64(limit))
        var deals: [FeedDeal] = []
        deals.reserveCapacity(limit)
        var server = ""
        while try statement.step() {
            // Consecutive deals mostly share a server: keep one string for them.
            if !statement.textEquals(1, server) { server = statement.text(1) }
            let (action, entry) = try DealFeedColumns.deal(action: statement.int64(4), entry: statement.int64(5))
            let deal = TradeDeal(
                ticket: UInt64(bitPattern: statement.int64(2)), login: TradingLogin(UInt64(bitPattern: statement.int64(3))),
                order: UInt64(bitPattern: statement.int64(7)), positionID: UInt64(bitPattern: statement.int64(8)), action: action, entry: entry,
                reason: Int(statement.int64(6)), symbol: statement.text(9), time: statement.int64(10),
                price: Price(points: statement.int64(11), digits: Int(statement.int64(12))), volume: Volume(units: statement.int64(13)),
                contractSize: statement.int64(14), profit: PlatformAmount(units: statement.int64(15)),
                commission: PlatformAmount(units: statement.int64(16)), swap: PlatformAmount(units: statement.int64(17)),
                fee: PlatformAmount(units: statement.int64(18)), comment: statement.text(19), externalID: statement.text(20))
            deals.append(FeedDeal(seq: statement.int64(0), serverID: server, deal: deal))
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
            let (action, entry) = try DealFeedColumns.deal(action: try int(4), entry: try int(5))
            let deal = TradeDeal(
                ticket: UInt64(bitPattern: try int(2)), login: TradingLogin(UInt64(bitPattern: try int(3))),
                order: UInt64(bitPattern: try int(7)), positionID: UInt64(bitPattern: try int(8)), action: action, entry: entry,
                reason: Int(try int(6)), symbol: try cells[9].decode(String.self), time: try int(10),
                price: Price(points: try int(11), digits: Int(try int(12))), volume: Volume(units: try int(13)),
                contractSize: try int(14), profit: PlatformAmount(units: try int(15)), commission: PlatformAmount(units: try int(16)),
                swap: PlatformAmount(units: try int(17)), fee: PlatformAmount(units: try int(18)),
                comment: try cells[19].decode(String.self), externalID: try cells[20].decode(String.self))
            deals.append(FeedDeal(seq: try int(0), serverID: try cells[1].decode(String.self), deal: deal))
        }
        return deals
    }

    static func binds(_ values: Int64...) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
