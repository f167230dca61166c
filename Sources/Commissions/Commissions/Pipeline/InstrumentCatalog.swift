import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Partners
import Trading

/// The broker's instruments as commission rules see them: the group each symbol's
/// rates are chosen by and the currency its profit is in. A symbol the broker has
/// not set is guessed from its name (`InstrumentGroups`); setting one is audited and
/// applies to deals computed from then on (books are rebuilt), so a recalculation
/// is what carries it back to earlier deals.
public struct InstrumentCatalog: Sendable {
    public struct Entry: Sendable, Equatable {
        public let symbol: String
        public let group: String
        public let profitCurrency: String
        /// Set by the broker (else guessed from the name).
        public let isSet: Bool
    }

    public struct Setting: Sendable, Equatable {
        public let group: String
        public let profitCurrency: String

        public init(group: String, profitCurrency: String) {
            self.group = group
            self.profitCurrency = profitCurrency
        }
    }

    let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    /// How many symbols the broker set and when it last changed one: books are rebuilt when it changes.
    public func generation() async throws -> [Int64] {
        try await db.read { sql in try await Self.generation(on: sql) }
    }

    /// `generation()` inside the caller's read.
    static func generation(on sql: any SQLDatabase) async throws -> [Int64] {
        guard let row = try await sql.raw("""
            SELECT COUNT(*) AS instruments, COALESCE(MAX(updated_at), 0) AS instruments_changed FROM instruments
            """).first() else { return [] }
        return try ["instruments", "instruments_changed"].map { try row.decode(column: $0, as: Int64.self) }
    }

    /// What the broker set, by symbol.
    public func settings() async throws -> [String: Setting] {
        try await db.read { sql in
            var result: [String: Setting] = [:]
            for row in try await sql.raw("SELECT symbol, group_name, profit_currency FROM instruments").all() {
                result[try row.decode(column: "symbol", as: String.self)] = Setting(group: try row.decode(column: "group_name", as: String.self),
                                                                                   profitCurrency: try row.decode(column: "profit_currency", as: String.self))
            }
            return result
        }
    }

    /// Every traded or set symbol with its group and profit currency, by symbol.
    public func entries() async throws -> [Entry] {
        let set = try await settings()
        let traded = try await db.read { sql in
            try await DealHistory.tradedSymbols(on: sql).map(\.symbol)
        }
        return Set(traded).union(set.keys).sorted().map { symbol in
            if let setting = set[symbol] { return Entry(symbol: symbol, group: setting.group, profitCurrency: setting.profitCurrency, isSet: true) }
            return Entry(symbol: symbol, group: InstrumentGroups.guess(symbol), profitCurrency: InstrumentGroups.profitCurrency(symbol), isSet: false)
        }
    }

    /// Sets a symbol's group and profit currency.
    public func set(symbol: String, group: String, profitCurrency: String, audit: AuditContext) async throws {
        let symbol = symbol.trimmingCharacters(in: .whitespaces)
        let group = group.trimmingCharacters(in: .whitespaces).lowercased()
        let currency = profitCurrency.trimmingCharacters(in: .whitespaces).uppercased()
        guard (1...32).contains(symbol.count), symbol.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw PartnerError.invalid(field: "symbol", "1 to 32 printable characters, as the trade server names it")
        }
        guard (1...32).contains(group.count), group.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw PartnerError.invalid(field: "group", "1 to 32 of a-z, 0-9 and _, as plans name groups (fx_majors, metals...)")
        }
        guard Currency(code: currency) != nil else { throw PartnerError.invalid(field: "profit_currency", "unknown currency \(currency)") }
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            let before = try await sql.raw("SELECT group_name, profit_currency FROM instruments WHERE symbol = \(bind: symbol)").first()
            try await sql.raw("""
                INSERT INTO instruments (symbol, group_name, profit_currency, updated_by, updated_at)
                VALUES (\(bind: symbol), \(bind: group), \(bind: currency), \(bind: audit.actor), \(bind: now))
                ON CONFLICT (symbol) DO UPDATE SET group_name = excluded.group_name, profit_currency = excluded.profit_currency,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """).run()
            let previous = try before.map { #"{"group":"\#(try $0.decode(column: "group_name", as: String.self))","profit_currency":"\#(try $0.decode(column: "profit_currency", as: String.self))"}"# } ?? "{}"
            try await AuditLog.append(audit.entry("instrument.set", entityType: "instrument", entityID: symbol, before: previous,
                                                  after: #"{"group":"\#(group)","profit_currency":"\#(currency)"}"#),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Forgets what the broker set: the symbol is guessed from its name again.
    public func clear(symbol: String, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            let deleted = try await sql.raw("DELETE FROM instruments WHERE symbol = \(bind: symbol) RETURNING symbol").all()
            guard !deleted.isEmpty else { throw PartnerError.invalid(field: "symbol", "\(symbol) has no setting") }
            try await AuditLog.append(audit.entry("instrument.clear", entityType: "instrument", entityID: symbol), at: now, on: sql, dialect: dialect)
        }
    }

    /// A symbol's group: the broker's setting, else the guess.
    public static func group(of symbol: String, in settings: [String: Setting]) -> String {
        settings[symbol]?.group ?? InstrumentGroups.guess(symbol)
    }
}
