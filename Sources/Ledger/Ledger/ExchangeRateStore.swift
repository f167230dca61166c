import BrokerCore
import Money
import Platform
import SQLKit

/// A rate as it was recorded: what converted amounts refer to.
public struct RecordedRate: Sendable, Equatable {
    public let id: String
    public let rate: ExchangeRate
    public let source: String
    /// From when the rate applies, microseconds UTC.
    public let effectiveAt: Int64
}

/// Recorded exchange rates. Rates are appended, never edited; a conversion names
/// the id of the rate it used.
public struct ExchangeRateStore: Sendable {
    public let db: Database
    public let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock = SystemClock()) {
        self.db = db
        self.clock = clock
    }

    @discardableResult
    public func record(_ rate: ExchangeRate, source: String, effectiveAt: Int64, id: String) async throws -> RecordedRate {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO exchange_rates (id, base, quote, scaled_rate, source, effective_at, recorded_at)
                VALUES (\(bind: id), \(bind: rate.base.code), \(bind: rate.quote.code), \(bind: rate.scaledRate), \(bind: source), \(bind: effectiveAt), \(bind: now))
                """).run()
            try await AuditLog.append(AuditEntry(actor: "system", action: "exchange_rate.record", entityType: "exchange_rate", entityID: id,
                                                 after: "{\"pair\":\"\(rate.base.code)/\(rate.quote.code)\",\"scaled_rate\":\(rate.scaledRate),\"source\":\(Self.quoted(source))}"),
                                      at: now, on: sql, dialect: db.dialect)
        }
        return RecordedRate(id: id, rate: rate, source: source, effectiveAt: effectiveAt)
    }

    /// The rate in force for a pair at a time: the latest one effective at or before it.
    public func rate(_ base: Currency, _ quote: Currency, at time: Int64) async throws -> RecordedRate? {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM exchange_rates WHERE base = \(bind: base.code) AND quote = \(bind: quote.code) AND effective_at <= \(bind: time)
                ORDER BY effective_at DESC, recorded_at DESC LIMIT 1
                """).first().map(Self.decode)
        }
    }

    public func rate(id: String) async throws -> RecordedRate? {
        try await db.read { sql in try await sql.raw("SELECT * FROM exchange_rates WHERE id = \(bind: id)").first().map(Self.decode) }
    }

    static func decode(_ row: any SQLRow) throws -> RecordedRate {
        let base = try row.decode(column: "base", as: String.self)
        let quote = try row.decode(column: "quote", as: String.self)
        guard let baseCurrency = Currency(code: base), let quoteCurrency = Currency(code: quote) else {
            throw MoneyError.unknownCurrency("\(base)/\(quote)")
        }
        return RecordedRate(id: try row.decode(column: "id", as: String.self),
                            rate: try ExchangeRate(base: baseCurrency, quote: quoteCurrency, scaledRate: try row.decode(column: "scaled_rate", as: Int64.self)),
                            source: try row.decode(column: "source", as: String.self),
                            effectiveAt: try row.decode(column: "effective_at", as: Int64.self))
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
