import BrokerCore
import CommissionsCore
import Identity
import Money
import SQLKit
import Platform
import Partners
import Trading

/// The broker's instruments as commission rules see them: the group each symbol's
/// rates are chosen by and the currency its profit is in.
///
/// A symbol's group is, in order: what the broker set for the symbol; else what the
/// broker's folder table says of the folder the trade server files it in
/// (`Energies\XTIUSD` → energies); else a guess from its name (`InstrumentGroups`).
/// Both the settings and the folder table are effective-dated like every other book
/// input: a change takes effect from a chosen moment, books are rebuilt, and a
/// recalculation is what carries it to deals computed before. Every change is audited.
public struct InstrumentCatalog: Sendable {
    /// Where a symbol's group came from.
    public enum Source: String, Sendable, Equatable {
        case set, folder, guessed
    }

    public struct Entry: Sendable, Equatable {
        public let symbol: String
        /// The trade server's folder for it ("" when no server said).
        public let path: String
        public let group: String
        public let profitCurrency: String
        public let source: Source
        /// Set by the broker (else from the folder or guessed from the name).
        public var isSet: Bool { source == .set }
    }

    public struct Setting: Sendable, Equatable {
        public let group: String
        public let profitCurrency: String

        public init(group: String, profitCurrency: String) {
            self.group = group
            self.profitCurrency = profitCurrency
        }
    }

    /// One row of the folder table as it stands at a moment.
    public struct Folder: Sendable, Equatable {
        public let folder: String
        public let group: String
        public let effectiveFrom: Int64
    }

    /// Everything that decides groups at one moment, read once: what books and settlements ask per symbol.
    public struct Groups: Sendable {
        public let settings: [String: Setting]
        public let folders: [String: String]
        public let paths: [String: String]

        public init(settings: [String: Setting] = [:], folders: [String: String] = [:], paths: [String: String] = [:]) {
            self.settings = settings
            self.folders = folders
            self.paths = paths
        }

        public func group(of symbol: String) -> String { resolve(symbol).group }

        public func profitCurrency(of symbol: String) -> String {
            settings[symbol]?.profitCurrency ?? InstrumentGroups.profitCurrency(symbol)
        }

        func resolve(_ symbol: String) -> (group: String, source: Source) {
            if let setting = settings[symbol] { return (setting.group, .set) }
            if let path = paths[symbol], let group = InstrumentGroups.group(ofPath: path, folders: folders) { return (group, .folder) }
            return (InstrumentGroups.guess(symbol), .guessed)
        }
    }

    let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    /// How many rows the catalog's inputs have and when they last changed: books are rebuilt when this changes.
    public func generation() async throws -> [Int64] {
        try await db.read { sql in try await Self.generation(on: sql) }
    }

    /// `generation()` inside the caller's read.
    static func generation(on sql: any SQLDatabase) async throws -> [Int64] {
        guard let row = try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM instrument_settings) AS settings, (SELECT COALESCE(MAX(updated_at), 0) FROM instrument_settings) AS settings_changed,
                (SELECT COUNT(*) FROM instrument_folders) AS folders, (SELECT COALESCE(MAX(updated_at), 0) FROM instrument_folders) AS folders_changed
            """).first() else { return [] }
        return try ["settings", "settings_changed", "folders", "folders_changed"].map { try row.decode(column: $0, as: Int64.self) }
            + (try await SymbolDirectory.generation(on: sql))
    }

    /// Every moment at which a symbol's setting or the folder table changes.
    public func changePoints() async throws -> [Int64] {
        try await db.read { sql in
            try await sql.raw("SELECT effective_from AS t FROM instrument_settings UNION SELECT effective_from FROM instrument_folders").all().map {
                try $0.decode(column: "t", as: Int64.self)
            }.filter { $0 > 0 }.sorted()
        }
    }

    /// What decides groups at `time`.
    public func groups(at time: Int64) async throws -> Groups {
        try await db.read { sql in
            Groups(settings: try await Self.settings(at: time, on: sql), folders: try await Self.folders(at: time, on: sql).reduce(into: [:]) { $0[$1.folder] = $1.group },
                   paths: try await SymbolDirectory.paths(on: sql))
        }
    }

    /// The settings in force at `time`, by symbol (a cleared symbol has none).
    static func settings(at time: Int64, on sql: any SQLDatabase) async throws -> [String: Setting] {
        var result: [String: Setting] = [:]
        for row in try await sql.raw("""
            SELECT s.symbol, s.group_name, s.profit_currency FROM instrument_settings s
            WHERE s.effective_from = (SELECT MAX(e.effective_from) FROM instrument_settings e WHERE e.symbol = s.symbol AND e.effective_from <= \(bind: time))
            """).all() {
            let group = try row.decode(column: "group_name", as: String.self)
            guard !group.isEmpty else { continue }
            result[try row.decode(column: "symbol", as: String.self)] = Setting(group: group, profitCurrency: try row.decode(column: "profit_currency", as: String.self))
        }
        return result
    }

    /// The folder table in force at `time` (removed entries left out), by folder.
    static func folders(at time: Int64, on sql: any SQLDatabase) async throws -> [Folder] {
        try await sql.raw("""
            SELECT f.folder, f.group_name, f.effective_from FROM instrument_folders f
            WHERE f.effective_from = (SELECT MAX(e.effective_from) FROM instrument_folders e WHERE e.folder = f.folder AND e.effective_from <= \(bind: time))
            ORDER BY f.folder
            """).all().compactMap { row in
            let group = try row.decode(column: "group_name", as: String.self)
            return group.isEmpty ? nil : Folder(folder: try row.decode(column: "folder", as: String.self), group: group,
                                                effectiveFrom: try row.decode(column: "effective_from", as: Int64.self))
        }
    }

    /// The folder table as it stands now.
    public func folders() async throws -> [Folder] {
        let now = clock.nowMicros()
        return try await db.read { sql in try await Self.folders(at: now, on: sql) }
    }

    /// Changes to come: settings and folder entries that take effect after now, in time order.
    public func scheduled() async throws -> [(what: String, group: String, effectiveFrom: Int64)] {
        let now = clock.nowMicros()
        return try await db.read { sql in
            try await sql.raw("""
                SELECT symbol AS what, group_name, effective_from FROM instrument_settings WHERE effective_from > \(bind: now)
                UNION ALL SELECT folder, group_name, effective_from FROM instrument_folders WHERE effective_from > \(bind: now)
                ORDER BY effective_from, what
                """).all().map {
                (try $0.decode(column: "what", as: String.self), try $0.decode(column: "group_name", as: String.self), try $0.decode(column: "effective_from", as: Int64.self))
            }
        }
    }

    /// Every traded, set or server-described symbol with its group, profit currency and where the group came from, now.
    public func entries() async throws -> [Entry] {
        let groups = try await groups(at: clock.nowMicros())
        let traded = try await db.read { sql in
            try await DealHistory.tradedSymbols(on: sql).map(\.symbol)
        }
        return Set(traded).union(groups.settings.keys).sorted().map { symbol in
            let resolved = groups.resolve(symbol)
            return Entry(symbol: symbol, path: groups.paths[symbol] ?? "", group: resolved.group, profitCurrency: groups.profitCurrency(of: symbol),
                         source: resolved.source)
        }
    }

    /// Sets a symbol's group and profit currency from `from` (now when nil).
    public func set(symbol: String, group: String, profitCurrency: String, from: Int64? = nil, audit: AuditContext) async throws {
        let symbol = try Self.symbol(symbol)
        let group = try Self.group(group)
        let currency = profitCurrency.trimmingCharacters(in: .whitespaces).uppercased()
        guard Currency(code: currency) != nil else { throw PartnerError.invalid(field: "profit_currency", "unknown currency \(currency)") }
        try await write(table: "instrument_settings", key: ("symbol", symbol), group: group, profitCurrency: currency, from: from,
                        action: "instrument.set", audit: audit)
    }

    /// Forgets what the broker set for a symbol from `from` (now when nil): its folder or its name decides again.
    public func clear(symbol: String, from: Int64? = nil, audit: AuditContext) async throws {
        let symbol = try Self.symbol(symbol)
        let effective = from ?? clock.nowMicros()
        let set = try await db.read { sql in try await Self.settings(at: effective, on: sql)[symbol] }
        guard set != nil else { throw PartnerError.invalid(field: "symbol", "\(symbol) has no setting") }
        try await write(table: "instrument_settings", key: ("symbol", symbol), group: "", profitCurrency: "", from: from, action: "instrument.clear", audit: audit)
    }

    /// Maps a trade-server folder (`Energies`, `Forex\Majors`) to a group from `from`
    /// (now when nil); an empty group removes the entry.
    public func mapFolder(_ folder: String, group: String, from: Int64? = nil, audit: AuditContext) async throws {
        let parts = InstrumentGroups.folderParts(folder)
        guard !parts.isEmpty, folder.count <= 128, folder.allSatisfy({ !$0.isNewline }) else {
            throw PartnerError.invalid(field: "folder", "a folder as the trade server names it, such as Energies or Forex\\Majors")
        }
        let canonical = folder.split(whereSeparator: { $0 == "\\" || $0 == "/" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "\\")
        let group = group.trimmingCharacters(in: .whitespaces).isEmpty ? "" : try Self.group(group)
        try await write(table: "instrument_folders", key: ("folder", canonical), group: group, profitCurrency: nil, from: from,
                        action: group.isEmpty ? "instrument.folder_remove" : "instrument.folder_map", audit: audit)
    }

    /// One effective-dated row, audited with what was in force at that moment before.
    private func write(table: String, key: (column: String, value: String), group: String, profitCurrency: String?, from: Int64?,
                       action: String, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let effective = from ?? now
        guard effective >= 0 else { throw PartnerError.invalid(field: "from", "a moment after 1970") }
        let dialect = db.dialect
        try await db.transaction { sql in
            let before = try await sql.raw("""
                SELECT group_name FROM \(unsafeRaw: table) WHERE \(unsafeRaw: key.column) = \(bind: key.value) AND effective_from <= \(bind: effective)
                ORDER BY effective_from DESC LIMIT 1
                """).first().map { try $0.decode(column: "group_name", as: String.self) } ?? ""
            if let profitCurrency {
                try await sql.raw("""
                    INSERT INTO instrument_settings (symbol, effective_from, group_name, profit_currency, updated_by, updated_at)
                    VALUES (\(bind: key.value), \(bind: effective), \(bind: group), \(bind: profitCurrency), \(bind: audit.actor), \(bind: now))
                    ON CONFLICT (symbol, effective_from) DO UPDATE SET group_name = excluded.group_name, profit_currency = excluded.profit_currency,
                        updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """).run()
            } else {
                try await sql.raw("""
                    INSERT INTO instrument_folders (folder, effective_from, group_name, updated_by, updated_at)
                    VALUES (\(bind: key.value), \(bind: effective), \(bind: group), \(bind: audit.actor), \(bind: now))
                    ON CONFLICT (folder, effective_from) DO UPDATE SET group_name = excluded.group_name,
                        updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """).run()
            }
            var after = #"{"group":"\#(group)","effective_from":\#(effective)"#
            if let profitCurrency, !profitCurrency.isEmpty { after += #","profit_currency":"\#(profitCurrency)""# }
            try await AuditLog.append(audit.entry(action, entityType: "instrument", entityID: key.value,
                                                  before: before.isEmpty ? "{}" : #"{"group":"\#(before)"}"#, after: after + "}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    static func symbol(_ text: String) throws -> String {
        let symbol = text.trimmingCharacters(in: .whitespaces)
        guard (1...32).contains(symbol.count), symbol.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" && $0 != "\\" }) else {
            throw PartnerError.invalid(field: "symbol", "1 to 32 printable characters, as the trade server names it")
        }
        return symbol
    }

    static func group(_ text: String) throws -> String {
        let group = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard (1...32).contains(group.count), group.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw PartnerError.invalid(field: "group", "1 to 32 of a-z, 0-9 and _, as plans name groups (fx_majors, metals...)")
        }
        return group
    }
}
