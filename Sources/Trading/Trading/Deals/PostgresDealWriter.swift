import BrokerCore
import Logging
import PostgresNIO
import Platform

/// Stores deal batches on PostgreSQL: the feed head row is locked first (so feed
/// numbers follow commit order across concurrent server syncs), then one `unnest`
/// insert that skips known (server, ticket) pairs, then the cursor.
struct PostgresDealWriter: DealWriter {
    let client: PostgresClient
    let logger: Logger

    func store(_ batch: DealSyncBatch, at time: Int64) async throws -> Int {
        let deals = DealRevision.lastOfEach(batch.deals)
        let logger = logger
        return try await client.withTransaction(logger: logger) { connection in
            let headRows = try await connection.query("SELECT seq FROM deal_feed_head WHERE id = 1 FOR UPDATE", logger: logger)
            var feedStart: Int64 = 0
            for try await seq in headRows.decode(Int64.self) { feedStart = seq }
            var inserted = 0
            if !deals.isEmpty {
                let tickets = deals.map { Int64(bitPattern: $0.ticket) }, logins = deals.map { Int64(bitPattern: $0.login.value) }
                let actions = deals.map { Int64($0.action.rawValue) }, entries = deals.map { Int64($0.entry.rawValue) }
                let reasons = deals.map { Int64($0.reason) }, orders = deals.map { Int64(bitPattern: $0.order) }
                let positions = deals.map { Int64(bitPattern: $0.positionID) }, symbols = deals.map(\.symbol)
                let times = deals.map(\.time), prices = deals.map(\.price.points), digits = deals.map { Int64($0.price.digits) }
                let volumes = deals.map(\.volume.units), sizes = deals.map(\.contractSize), profits = deals.map(\.profit.units)
                let commissions = deals.map(\.commission.units), swaps = deals.map(\.swap.units), fees = deals.map(\.fee.units)
                let comments = deals.map(\.comment), externals = deals.map(\.externalID), spreads = deals.map(\.marketSpreadPoints)
                let result = try await connection.query("""
                    INSERT INTO trade_deals (server_id, ticket, login, action, entry, reason, order_ticket, position_id, symbol, time_us,
                        price_points, digits, volume, contract_size, profit, commission, swap, fee, comment, external_id, spread_points, feed_seq, synced_at)
                    SELECT \(batch.serverID.rawValue), t.ticket, t.login, t.action, t.entry, t.reason, t.order_ticket, t.position_id, t.symbol,
                        t.time_us, t.price_points, t.digits, t.volume, t.contract_size, t.profit, t.commission, t.swap, t.fee, t.comment,
                        t.external_id, t.spread_points, \(feedStart) + t.n, \(time) FROM unnest(
                        \(tickets)::bigint[], \(logins)::bigint[], \(actions)::bigint[], \(entries)::bigint[], \(reasons)::bigint[],
                        \(orders)::bigint[], \(positions)::bigint[], \(symbols)::text[], \(times)::bigint[], \(prices)::bigint[],
                        \(digits)::bigint[], \(volumes)::bigint[], \(sizes)::bigint[], \(profits)::bigint[], \(commissions)::bigint[],
                        \(swaps)::bigint[], \(fees)::bigint[], \(comments)::text[], \(externals)::text[], \(spreads)::bigint[]) WITH ORDINALITY AS t(
                        ticket, login, action, entry, reason, order_ticket, position_id, symbol, time_us, price_points, digits, volume,
                        contract_size, profit, commission, swap, fee, comment, external_id, spread_points, n)
                    \(unescaped: DealRevision.onConflict)
                    RETURNING ticket
                    """, logger: logger)
                for try await _ in result.decode(Int64.self) { inserted += 1 }
                try await connection.query("UPDATE deal_feed_head SET seq = \(feedStart + Int64(deals.count)) WHERE id = 1", logger: logger)
                let active = ActiveDays.pairs(of: deals)
                if !active.isEmpty {
                    // Pairs seen before insert nothing, so only new ones add to a day's count.
                    try await connection.query("""
                        WITH added AS (
                            INSERT INTO trade_active_days (day, server_id, login)
                            SELECT t.day, \(batch.serverID.rawValue), t.login FROM unnest(\(active.map(\.day))::bigint[], \(active.map(\.login))::bigint[]) AS t(day, login)
                            ON CONFLICT DO NOTHING RETURNING day, login)
                        INSERT INTO trade_active_day_counts (day, server_id, brand_id, accounts)
                        SELECT added.day, \(batch.serverID.rawValue), COALESCE(a.brand_id, ''), COUNT(*) FROM added
                        LEFT JOIN trading_accounts a ON a.server_id = \(batch.serverID.rawValue) AND a.login = added.login
                        GROUP BY added.day, COALESCE(a.brand_id, '')
                        ON CONFLICT (day, server_id, brand_id) DO UPDATE SET accounts = trade_active_day_counts.accounts + excluded.accounts
                        """, logger: logger)
                }
            }
            try await connection.query("""
                INSERT INTO deal_sync_state (server_id, cursor_time, deals_stored, last_synced_at, last_error, updated_at)
                VALUES (\(batch.serverID.rawValue), \(batch.cursorTime), \(Int64(inserted)), \(time), '', \(time))
                ON CONFLICT (server_id) DO UPDATE SET cursor_time = GREATEST(deal_sync_state.cursor_time, excluded.cursor_time),
                    deals_stored = deal_sync_state.deals_stored + excluded.deals_stored, last_synced_at = excluded.last_synced_at,
                    last_error = '', updated_at = excluded.updated_at
                """, logger: logger)
            return inserted
        }
    }
}
