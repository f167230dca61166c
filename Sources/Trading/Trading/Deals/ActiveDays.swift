import BrokerCore
import Platform

/// Which trading accounts traded (bought or sold) on which UTC day. The deal writers
/// record each (day, server, login) once, in the transaction that stores the deals, and
/// add the newly seen ones to the day's count, so a replayed batch changes nothing.
public enum ActiveDays {
    public static let dayMicros: Int64 = 86_400_000_000

    /// The (day, login) pairs of a batch's trades, without repeats.
    static func pairs(of deals: [TradeDeal]) -> [(day: Int64, login: Int64)] {
        var seen = Set<Pair>()
        var pairs: [(day: Int64, login: Int64)] = []
        for deal in deals where deal.action.isTrade {
            let pair = Pair(day: deal.time / dayMicros * dayMicros, login: Int64(bitPattern: deal.login.value))
            if seen.insert(pair).inserted { pairs.append((pair.day, pair.login)) }
        }
        return pairs
    }

    private struct Pair: Hashable {
        let day: Int64
        let login: Int64
    }

    /// SQLite: inserts the pairs of each day and adds what was new to that day's count.
    static func record(_ deals: [TradeDeal], serverID: ServerID, on handle: SQLiteHandle) throws {
        let byDay = Dictionary(grouping: pairs(of: deals), by: \.day)
        let count = try handle.statement("""
            INSERT INTO trade_active_day_counts (day, server_id, accounts) VALUES (?1, ?2, ?3)
            ON CONFLICT (day, server_id) DO UPDATE SET accounts = trade_active_day_counts.accounts + excluded.accounts
            """)
        for (day, pairs) in byDay.sorted(by: { $0.key < $1.key }) {
            let rows = RowInserter(handle: handle, rowsPerStatement: 64, textColumns: [false, true, false],
                                   sqlPrefix: "INSERT INTO trade_active_days (day, server_id, login) VALUES ",
                                   sqlSuffix: " ON CONFLICT DO NOTHING")
            var added = 0
            for pair in pairs {
                rows.int(day)
                rows.text(serverID)
                rows.int(pair.login)
                try rows.endRow(autoFlush: false)
                if rows.isFull { added += try rows.flush() }
            }
            added += try rows.flush()
            guard added > 0 else { continue }
            count.bind(1, day)
            count.bind(2, serverID)
            count.bind(3, Int64(added))
            try count.step()
            count.reset()
        }
    }
}
