import BrokerCore
import Identity
import SQLKit
import Platform

/// Which partner a client, or one trading account, belongs to, effective-dated.
/// An account's own attribution wins over its client's.
public struct Attribution: Sendable, Equatable {
    public enum Subject: String, Sendable { case client, account }

    public var subject: Subject
    public var subjectID: String
    public var partnerID: PartnerID
    /// Own or related accounts: no partner earns on them.
    public var excluded: Bool
    /// Who receives level 1's earnings instead (a partner id), if anyone.
    public var rebateReceiver: PartnerID?

    public init(subject: Subject, subjectID: String, partnerID: PartnerID, excluded: Bool = false, rebateReceiver: PartnerID? = nil) {
        self.subject = subject
        self.subjectID = subjectID
        self.partnerID = partnerID
        self.excluded = excluded
        self.rebateReceiver = rebateReceiver
    }
}

public struct AttributionStore: Sendable {
    public let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    public func attribute(_ attribution: Attribution, from: Int64, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            guard try await PartnerStore.exists(attribution.partnerID, on: sql) else { throw PartnerError.unknownPartner(attribution.partnerID) }
            if let receiver = attribution.rebateReceiver {
                guard try await PartnerStore.exists(receiver, on: sql) else { throw PartnerError.unknownPartner(receiver) }
            }
            try await EffectiveRows.close(table: "attributions", key: ("subject_id", attribution.subjectID),
                                          extra: ("subject_type", attribution.subject.rawValue), at: from,
                                          what: "the attribution of \(attribution.subject.rawValue) \(attribution.subjectID)", on: sql)
            try await sql.raw("""
                INSERT INTO attributions (subject_type, subject_id, partner_id, excluded, rebate_receiver, valid_from, valid_to)
                VALUES (\(bind: attribution.subject.rawValue), \(bind: attribution.subjectID), \(bind: attribution.partnerID),
                        \(bind: attribution.excluded ? 1 : 0), \(bind: attribution.rebateReceiver?.rawValue ?? ""), \(bind: from), \(bind: Effective.open))
                """).run()
            try await AuditLog.append(audit.entry("attribution.set", entityType: attribution.subject.rawValue, entityID: attribution.subjectID,
                                                  after: "{\"partner\":\"\(attribution.partnerID)\",\"excluded\":\(attribution.excluded),\"from\":\(from)}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// The attributions to one partner in force at `time` (by the partner's index).
    public func attributions(of partnerID: PartnerID, at time: Int64) async throws -> [Attribution] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM attributions WHERE partner_id = \(bind: partnerID) AND valid_to > \(bind: time) AND valid_from <= \(bind: time)
                ORDER BY subject_type, subject_id
                """).all().map(Self.decode)
        }
    }

    /// How many clients are attributed to one partner at `time`.
    public func clientCount(of partnerID: PartnerID, at time: Int64) async throws -> Int {
        try await db.read { sql in
            try await sql.raw("""
                SELECT COUNT(*) AS n FROM attributions
                WHERE partner_id = \(bind: partnerID) AND valid_to > \(bind: time) AND valid_from <= \(bind: time) AND subject_type = 'client'
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// The attributions in force at `time` of these subjects (clients or accounts), by
    /// the primary key: what a page of clients shows without reading every attribution.
    public func attributions(of subject: Attribution.Subject, ids: [String], at time: Int64) async throws -> [Attribution] {
        guard !ids.isEmpty else { return [] }
        return try await db.read { sql in
            var found: [Attribution] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                found += try await sql.raw("""
                    SELECT * FROM attributions WHERE subject_type = \(bind: subject.rawValue)
                    AND subject_id IN (\(binds: Array(ids[start..<min(start + 500, ids.count)]))) AND valid_from <= \(bind: time) AND valid_to > \(bind: time)
                    """).all().map(Self.decode)
            }
            return found
        }
    }

    /// Every attribution in force at `time`.
    public func attributions(at time: Int64) async throws -> [Attribution] {
        try await db.read { sql in
            try await EffectiveRows.inForce("*", from: "attributions", at: time, on: sql).map(Self.decode)
        }
    }
}

extension AttributionStore {
    static func decode(_ row: any SQLRow) throws -> Attribution {
        let receiver = try row.decode(column: "rebate_receiver", as: String.self)
        return Attribution(subject: Attribution.Subject(rawValue: try row.decode(column: "subject_type", as: String.self)) ?? .client,
                           subjectID: try row.decode(column: "subject_id", as: String.self),
                           partnerID: try row.decode(column: "partner_id", as: PartnerID.self),
                           excluded: try row.decode(column: "excluded", as: Int.self) == 1, rebateReceiver: receiver.isEmpty ? nil : PartnerID(receiver))
    }
}

extension AttributionStore {
    /// The keys (SERVER:LOGIN) of every account ever attributed on its own, inside the caller's read.
    public static func attributedAccounts(on sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT DISTINCT subject_id FROM attributions WHERE subject_type = 'account'").all().map {
            try $0.decode(column: "subject_id", as: String.self)
        }
    }
}

extension AttributionStore {
    /// Keys (SERVER:LOGIN) of accounts excluded from partner payouts at any moment of [from, to], inside the caller's read.
    public static func excludedAccounts(from: Int64, to: Int64, on sql: any SQLDatabase) async throws -> Set<String> {
        Set(try await sql.raw("""
            SELECT subject_id FROM attributions WHERE subject_type = 'account' AND excluded = 1 AND valid_from <= \(bind: to) AND valid_to > \(bind: from)
            """).all().map { try $0.decode(column: "subject_id", as: String.self) })
    }
}
