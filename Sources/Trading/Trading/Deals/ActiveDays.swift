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

    /// SQLite: inserts the pairs of each day and adds what was new to that day's count
    /// under the brand of the account (`''` for an account Pipstack did not open).
    static func record(_ deals: [TradeDeal], serverID: ServerID, on handle: SQLiteHandle) throws {
        let pairs = pairs(of: deals)
        guard !pairs.isEmpty else { return }
        let brandOf = try brands(of: Set(pairs.map(\.login)), serverID: serverID, on: handle)
        let groups = Dictionary(grouping: pairs, by: { DayBrand(day: $0.day, brand: brandOf[$0.login] ?? "") })
        let count = try handle.statement("""
            INSERT INTO trade_active_day_counts (day, server_id, brand_id, accounts) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (day, server_id, brand_id) DO UPDATE SET accounts = trade_active_day_counts.accounts + excluded.accounts
            """)
        for (key, pairs) in groups.sorted(by: { ($0.key.day, $0.key.brand) < ($1.key.day, $1.key.brand) }) {
            let rows = RowInserter(handle: handle, rowsPerStatement: 64, textColumns: [false, true, false],
                                   sqlPrefix: "INSERT INTO trade_active_days (day, server_id, login) VALUES ",
                                   sqlSuffix: " ON CONFLICT DO NOTHING")
            var added = 0
            for pair in pairs {
                rows.int(key.day)
                rows.text(serverID)
                rows.int(pair.login)
                try rows.endRow(autoFlush: false)
                if rows.isFull { added += try rows.flush() }
            }
            added += try rows.flush()
            guard added > 0 else { continue }
            count.bind(1, key.day)
            count.bind(2, serverID)
            count.bind(3, key.brand)
            count.bind(4, Int64(added))
            try count.step()
            count.reset()
        }
    }

    private struct DayBrand: Hashable {
        let day: Int64
        let brand: String
    }

    /// The brand of each of `logins` that Pipstack opened on the server.
    private static func brands(of logins: Set<Int64>, serverID: ServerID, on handle: SQLiteHandle) throws -> [Int64: String] {
        let lookup = try handle.statement("SELECT brand_id FROM trading_accounts WHERE server_id = ?1 AND login = ?2")
        var brands: [Int64: String] = [:]
        for login in logins {
            lookup.bind(1, serverID)
            lookup.bind(2, login)
            if try lookup.step() { brands[login] = lookup.text(0) }
            lookup.reset()
        }
        return brands
    }
}
