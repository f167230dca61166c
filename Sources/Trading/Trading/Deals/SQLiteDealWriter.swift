import BrokerCore
import Dispatch
import Platform

/// Stores deal batches through its own SQLite C-API connection on one serial queue:
/// multi-row inserts that skip known (server, ticket) pairs, feed numbers drawn under
/// the write lock, and the sync cursor, in one transaction.
final class SQLiteDealWriter: DealWriter, @unchecked Sendable {
    private let connection: SQLiteConnectionQueue

    init(path: String) throws {
        connection = try SQLiteConnectionQueue(path: path, label: "pipstack.deals.sqlite-writer", writes: true)
    }

    func store(_ batch: DealSyncBatch, at time: Int64) async throws -> Int {
        try await connection.run { handle in try Self.store(batch, at: time, on: handle) }
    }

    static let columns: [Bool] = [true] + Array(repeating: false, count: 7) + [true] + Array(repeating: false, count: 9) + [true, true, false, false, false]

    private static func store(_ batch: DealSyncBatch, at time: Int64, on handle: SQLiteHandle) throws -> Int {
        try handle.writeTransaction {
            let head = try handle.statement("SELECT seq FROM deal_feed_head WHERE id = 1")
            guard try head.step() else { throw StorageError.notFound("deal feed head") }
            let feedStart = head.int64(0)
            head.reset()
            let rows = RowInserter(handle: handle, rowsPerStatement: 32, textColumns: Self.columns, sqlPrefix: """
                INSERT INTO trade_deals (server_id, ticket, login, action, entry, reason, order_ticket, position_id, symbol, time_us,
                    price_points, digits, volume, contract_size, profit, commission, swap, fee, comment, external_id, spread_points, feed_seq, synced_at) VALUES
                """, sqlSuffix: DealRevision.onConflict)
            var inserted = 0
            for (index, deal) in DealRevision.lastOfEach(batch.deals).enumerated() {
                rows.text(batch.serverID)
                for value in [Int64(bitPattern: deal.ticket), Int64(bitPattern: deal.login.value), Int64(deal.action.rawValue),
                              Int64(deal.entry.rawValue), Int64(deal.reason), Int64(bitPattern: deal.order), Int64(bitPattern: deal.positionID)] {
                    rows.int(value)
                }
                rows.text(deal.symbol)
                for value in [deal.time, deal.price.points, Int64(deal.price.digits), deal.volume.units, deal.contractSize,
                              deal.profit.units, deal.commission.units, deal.swap.units, deal.fee.units] {
                    rows.int(value)
                }
                rows.text(deal.comment)
                rows.text(deal.externalID)
                rows.int(deal.marketSpreadPoints)
                rows.int(feedStart + Int64(index) + 1)
                rows.int(time)
                try rows.endRow(autoFlush: false)
                if rows.isFull { inserted += try rows.flush() }
            }
            inserted += try rows.flush()
            try ActiveDays.record(DealRevision.lastOfEach(batch.deals), serverID: batch.serverID, on: handle)
            let moveHead = try handle.statement("UPDATE deal_feed_head SET seq = ?1 WHERE id = 1")
            moveHead.bind(1, feedStart + Int64(batch.deals.count))
            try moveHead.step()
            let cursor = try handle.statement("""
                INSERT INTO deal_sync_state (server_id, cursor_time, deals_stored, last_synced_at, last_error, updated_at)
                VALUES (?1, ?2, ?3, ?4, '', ?4)
                ON CONFLICT (server_id) DO UPDATE SET cursor_time = MAX(deal_sync_state.cursor_time, excluded.cursor_time),
                    deals_stored = deal_sync_state.deals_stored + excluded.deals_stored, last_synced_at = excluded.last_synced_at,
                    last_error = '', updated_at = excluded.updated_at
                """)
            cursor.bind(1, batch.serverID)
            cursor.bind(2, batch.cursorTime)
            cursor.bind(3, Int64(inserted))
            cursor.bind(4, time)
            try cursor.step()
            return inserted
        }
    }
}
