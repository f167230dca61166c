import BrokerCore
import Money
import SQLKit
import Platform
import Identity

/// Something that happened to a client outside trading, as the system that saw it
/// reports it: a deposit a payment provider confirmed, a KYC approval (with the
/// country it established), or the country alone. Partner rules (CPA) read them.
public struct ClientEventRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case deposit
        case kycApproved = "kyc_approved"
        case country
    }

    /// Who reports it (a PSP, a KYC vendor, `back-office`); with `externalID`, the event's identity.
    public var source: String
    public var externalID: String
    public var userID: UserID
    public var kind: Kind
    /// Minor units of `currency` (deposits; 0 otherwise).
    public var amount: Int64
    public var currency: String
    /// ISO 3166 alpha-2, upper case, or empty.
    public var country: String
    /// Microseconds UTC.
    public var occurredAt: Int64

    public init(source: String, externalID: String, userID: UserID, kind: Kind, amount: Int64 = 0, currency: String = "", country: String = "",
                occurredAt: Int64) {
        self.source = source
        self.externalID = externalID
        self.userID = userID
        self.kind = kind
        self.amount = amount
        self.currency = currency
        self.country = country.uppercased()
        self.occurredAt = occurredAt
    }
}

public enum ClientEventError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(field: String, String)
    /// The same source and id arrived before with other content.
    case conflict(String)

    public var description: String {
        switch self {
        case let .invalid(field, message): "\(field): \(message)"
        case let .conflict(message): message
        }
    }
}

/// The intake of client events, exactly once per (source, external id): the same
/// event again changes nothing, the same id with other content is refused.
public struct ClientEventStore: Sendable {
    public let db: Database
    public let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock = SystemClock()) {
        self.db = db
        self.clock = clock
    }

    public enum Outcome: Sendable, Equatable { case recorded, replayed }

    public func record(_ event: ClientEventRecord, audit: AuditContext) async throws -> Outcome {
        try validate(event)
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            guard let kind = try await UserDirectory.kind(of: event.userID, on: sql) else {
                throw ClientEventError.invalid(field: "client_id", "no client \(event.userID)")
            }
            guard kind == .trader else {
                throw ClientEventError.invalid(field: "client_id", "\(event.userID) is not a client")
            }
            let inserted = try await sql.raw("""
                INSERT INTO client_events (source, external_id, user_id, kind, amount, currency, country, occurred_at, received_at, received_by)
                VALUES (\(bind: event.source), \(bind: event.externalID), \(bind: event.userID), \(bind: event.kind.rawValue), \(bind: event.amount),
                    \(bind: event.currency), \(bind: event.country), \(bind: event.occurredAt), \(bind: now), \(bind: audit.actor))
                ON CONFLICT (source, external_id) DO NOTHING RETURNING source
                """).all()
            if inserted.isEmpty {
                guard let stored = try await Self.event(source: event.source, externalID: event.externalID, on: sql), stored == event else {
                    throw ClientEventError.conflict("event \(event.source)/\(event.externalID) was received before with other content")
                }
                return .replayed
            }
            if !event.country.isEmpty {
                // The latest event that names a country sets it; an older one arriving late does not.
                try await sql.raw("""
                    INSERT INTO client_countries (user_id, country, since) VALUES (\(bind: event.userID), \(bind: event.country), \(bind: event.occurredAt))
                    ON CONFLICT (user_id) DO UPDATE SET country = excluded.country, since = excluded.since WHERE excluded.since >= client_countries.since
                    """).run()
            }
            try await AuditLog.append(audit.entry("client_event.record", entityType: "user", entityID: event.userID,
                                                 after: #"{"source":"\#(event.source)","id":"\#(event.externalID)","kind":"\#(event.kind.rawValue)","amount":\#(event.amount),"currency":"\#(event.currency)","country":"\#(event.country)"}"#),
                                      at: now, on: sql, dialect: dialect)
            return .recorded
        }
    }

    /// A client's events in time order.
    public func events(of userID: UserID) async throws -> [ClientEventRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM client_events WHERE user_id = \(bind: userID) ORDER BY occurred_at, source, external_id").all().compactMap(Self.decode)
        }
    }

    static func event(source: String, externalID: String, on sql: any SQLDatabase) async throws -> ClientEventRecord? {
        try await sql.raw("SELECT * FROM client_events WHERE source = \(bind: source) AND external_id = \(bind: externalID)").first().flatMap(Self.decode)
    }

    static func decode(_ row: any SQLRow) throws -> ClientEventRecord? {
        guard let kind = ClientEventRecord.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
        return ClientEventRecord(source: try row.decode(column: "source", as: String.self), externalID: try row.decode(column: "external_id", as: String.self),
                                 userID: try row.decode(column: "user_id", as: UserID.self), kind: kind, amount: try row.decode(column: "amount", as: Int64.self),
                                 currency: try row.decode(column: "currency", as: String.self), country: try row.decode(column: "country", as: String.self),
                                 occurredAt: try row.decode(column: "occurred_at", as: Int64.self))
    }

    func validate(_ event: ClientEventRecord) throws(ClientEventError) {
        guard (1...64).contains(event.source.count),
              event.source.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) }) else {
            throw .invalid(field: "source", "1 to 64 of a-z, 0-9, '-', '_' and '.'")
        }
        guard (1...128).contains(event.externalID.count), event.externalID.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw .invalid(field: "external_id", "1 to 128 printable ASCII characters")
        }
        guard !event.country.isEmpty || event.kind != .country else { throw .invalid(field: "country", "a country event names the country") }
        guard event.country.isEmpty || (event.country.count == 2 && event.country.allSatisfy({ $0.isASCII && $0.isUppercase })) else {
            throw .invalid(field: "country", "a two-letter ISO 3166 code")
        }
        if event.kind == .deposit {
            guard let currency = Currency(code: event.currency) else { throw .invalid(field: "currency", "unknown currency \(event.currency)") }
            guard event.amount > 0 else { throw .invalid(field: "amount", "a deposit is more than 0 \(currency.code)") }
        } else {
            guard event.amount == 0 else { throw .invalid(field: "amount", "only deposits have an amount") }
        }
        guard event.occurredAt > 0, event.occurredAt <= clock.nowMicros() + 300_000_000 else {
            throw .invalid(field: "occurred_at", "a time in the past (UTC)")
        }
    }
}

/// What other slices read of a client's events (CPA), inside their own read.
extension ClientEventStore {
    /// The earliest reported deposit: when, how much (minor units) and in which currency.
    public static func firstDeposit(of client: String, on sql: any SQLDatabase) async throws -> (at: Int64, amount: Int64, currency: String)? {
        guard let row = try await sql.raw("""
            SELECT occurred_at, amount, currency FROM client_events WHERE user_id = \(bind: client) AND kind = 'deposit' ORDER BY occurred_at LIMIT 1
            """).first() else { return nil }
        return (try row.decode(column: "occurred_at", as: Int64.self), try row.decode(column: "amount", as: Int64.self),
                try row.decode(column: "currency", as: String.self))
    }

    /// When KYC was first approved, as reported.
    public static func firstKYCApproval(of client: String, on sql: any SQLDatabase) async throws -> Int64? {
        try await sql.raw("""
            SELECT occurred_at FROM client_events WHERE user_id = \(bind: client) AND kind = 'kyc_approved' ORDER BY occurred_at LIMIT 1
            """).first()?.decode(column: "occurred_at", as: Int64.self)
    }

    /// The client's latest reported country, "" when none was.
    /// The clients whose country is `country` now.
    public func clients(inCountry country: String) async throws -> [String] {
        try await db.read { sql in
            try await sql.raw("SELECT user_id FROM client_countries WHERE country = \(bind: country)").all().map { try $0.decode(column: "user_id", as: String.self) }
        }
    }

    /// The countries clients are in now, for the list's filter.
    public func countries() async throws -> [String] {
        try await db.read { sql in
            try await sql.raw("SELECT DISTINCT country FROM client_countries ORDER BY country").all().map { try $0.decode(column: "country", as: String.self) }
        }
    }

    public static func latestCountry(of client: String, on sql: any SQLDatabase) async throws -> String {
        try await sql.raw("""
            SELECT country FROM client_events WHERE user_id = \(bind: client) AND country <> '' ORDER BY occurred_at DESC LIMIT 1
            """).first()?.decode(column: "country", as: String.self) ?? ""
    }
}
