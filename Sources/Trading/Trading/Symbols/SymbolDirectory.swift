import BrokerCore
import Platform
import SQLKit

/// The trade servers' own description of their symbols, as last read from each
/// server: above all the folder (`Path`) a dealer filed each symbol in, such as
/// `Energies\XTIUSD`, which says what kind of instrument it is better than its name.
/// Trading keeps it; other slices read it through the static reads here.
public struct SymbolDirectory: Sendable {
    let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock = SystemClock()) {
        self.db = db
        self.clock = clock
    }

    /// Stores what a server says about its symbols; a row changes only when the server's
    /// answer changed, so `generation` moves only then. Returns how many rows changed.
    @discardableResult
    public func record(_ specs: [SymbolSpec], server: ServerID) async throws -> Int {
        let now = clock.nowMicros()
        return try await db.transaction { sql in
            var changed = 0
            for spec in specs where !spec.symbol.isEmpty {
                let rows = try await sql.raw("""
                    INSERT INTO trade_symbols (server_id, symbol, path, digits, contract_size, base_currency, profit_currency, margin_currency, updated_at)
                    VALUES (\(bind: server.rawValue), \(bind: spec.symbol), \(bind: spec.path), \(bind: spec.digits), \(bind: spec.contractSize),
                            \(bind: spec.baseCurrency), \(bind: spec.profitCurrency), \(bind: spec.marginCurrency), \(bind: now))
                    ON CONFLICT (server_id, symbol) DO UPDATE SET path = excluded.path, digits = excluded.digits, contract_size = excluded.contract_size,
                        base_currency = excluded.base_currency, profit_currency = excluded.profit_currency,
                        margin_currency = excluded.margin_currency, updated_at = excluded.updated_at
                    WHERE trade_symbols.path <> excluded.path OR trade_symbols.digits <> excluded.digits
                        OR trade_symbols.contract_size <> excluded.contract_size OR trade_symbols.profit_currency <> excluded.profit_currency
                        OR trade_symbols.base_currency <> excluded.base_currency OR trade_symbols.margin_currency <> excluded.margin_currency
                    RETURNING symbol
                    """).all()
                changed += rows.count
            }
            return changed
        }
    }

    /// Each symbol's folder on the trade servers, by symbol. A symbol filed in
    /// different folders on two servers takes the first server's by id.
    public func paths() async throws -> [String: String] {
        try await db.read { sql in try await Self.paths(on: sql) }
    }

    /// `paths()` inside the caller's read.
    public static func paths(on sql: any SQLDatabase) async throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try await sql.raw("SELECT symbol, path FROM trade_symbols WHERE path <> '' ORDER BY server_id DESC").all() {
            result[try row.decode(column: "symbol", as: String.self)] = try row.decode(column: "path", as: String.self)
        }
        return result
    }

    /// How many symbols are known and when one last changed: what books are rebuilt on.
    public static func generation(on sql: any SQLDatabase) async throws -> [Int64] {
        guard let row = try await sql.raw("SELECT COUNT(*) AS symbols, COALESCE(MAX(updated_at), 0) AS changed FROM trade_symbols").first() else { return [] }
        return try ["symbols", "changed"].map { try row.decode(column: $0, as: Int64.self) }
    }
}
