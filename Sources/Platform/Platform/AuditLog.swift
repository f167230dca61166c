import Crypto
import Foundation
import SQLKit

/// One state change, as the audit trail records it.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var actor: String
    public var action: String
    public var entityType: String
    public var entityID: String
    public var before: String
    public var after: String
    public var requestID: String
    public var ip: String

    public init(actor: String, action: String, entityType: String, entityID: String,
                before: String = "{}", after: String = "{}", requestID: String = "", ip: String = "") {
        self.actor = actor
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.before = before
        self.after = after
        self.requestID = requestID
        self.ip = ip
    }
}

/// A stored audit event with its place in the chain.
public struct AuditEvent: Sendable, Equatable, Codable {
    public let seq: Int64
    public let occurredAt: Int64
    public let entry: AuditEntry
    public let previousHash: String
    public let hash: String
}

/// The append-only, hash-chained audit trail.
///
/// Each event's hash covers its sequence number, time, content and the previous
/// event's hash, so editing, deleting or reordering any row breaks the chain from
/// that row on; `audit_head` holds the newest (seq, hash) so that cutting off the
/// tail is caught too. Appends happen inside the caller's transaction, next to the
/// state change they describe.
public enum AuditLog {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Appends `entry` in the transaction `sql` belongs to.
    @discardableResult
    public static func append(_ entry: AuditEntry, at time: Int64, on sql: any SQLDatabase, dialect: SQLDialectKind) async throws -> AuditEvent {
        let lock = dialect == .postgres ? " FOR UPDATE" : ""
        let head = try await sql.raw("SELECT seq, hash FROM audit_head WHERE id = 1\(unsafeRaw: lock)").first()
        let event = chained(entry, at: time, afterSeq: try head?.decode(column: "seq", as: Int64.self) ?? 0,
                            hash: try head?.decode(column: "hash", as: String.self) ?? genesisHash)
        let (seq, hash, previousHash) = (event.seq, event.hash, event.previousHash)
        try await sql.raw("""
            INSERT INTO audit_events (seq, occurred_at, actor, action, entity_type, entity_id, before_json, after_json, request_id, ip, prev_hash, hash)
            VALUES (\(bind: seq), \(bind: time), \(bind: entry.actor), \(bind: entry.action), \(bind: entry.entityType), \(bind: entry.entityID),
                    \(bind: entry.before), \(bind: entry.after), \(bind: entry.requestID), \(bind: entry.ip), \(bind: previousHash), \(bind: hash))
            """).run()
        if head == nil {
            try await sql.raw("INSERT INTO audit_head (id, seq, hash) VALUES (1, \(bind: seq), \(bind: hash))").run()
        } else {
            try await sql.raw("UPDATE audit_head SET seq = \(bind: seq), hash = \(bind: hash) WHERE id = 1").run()
        }
        return event
    }

    /// How many events the trail holds.
    public static func count(on sql: any SQLDatabase) async throws -> Int64 {
        try await sql.raw("SELECT COUNT(*) AS n FROM audit_events").first()?.decode(column: "n", as: Int64.self) ?? 0
    }

    /// Appends `entry` inside the transaction a SQLite C-API bulk writer holds on
    /// `handle` (the ledger's writer), as `append` does through SQLKit.
    package static func append(_ entry: AuditEntry, at time: Int64, on handle: SQLiteHandle) throws {
        let head = try handle.statement("SELECT seq, hash FROM audit_head WHERE id = 1")
        let hasHead = try head.step()
        let event = chained(entry, at: time, afterSeq: hasHead ? head.int64(0) : 0, hash: hasHead ? head.text(1) : genesisHash)
        head.reset()
        let insert = try handle.statement("""
            INSERT INTO audit_events (seq, occurred_at, actor, action, entity_type, entity_id, before_json, after_json, request_id, ip, prev_hash, hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        insert.bind(1, event.seq)
        insert.bind(2, event.occurredAt)
        for (offset, text) in [entry.actor, entry.action, entry.entityType, entry.entityID, entry.before, entry.after,
                               entry.requestID, entry.ip, event.previousHash, event.hash].enumerated() {
            insert.bind(Int32(3 + offset), text)
        }
        try insert.step()
        let moveHead = try handle.statement("""
            INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
            """)
        moveHead.bind(1, event.seq)
        moveHead.bind(2, event.hash)
        try moveHead.step()
    }

    /// The event that follows the chain's head (`afterSeq`, `hash`; 0 and the
    /// genesis hash when empty). Writers other than `append` (the ledger's C-API
    /// writer) chain their events with it.
    static func chained(_ entry: AuditEntry, at time: Int64, afterSeq previousSeq: Int64, hash previousHash: String) -> AuditEvent {
        let seq = previousSeq + 1
        return AuditEvent(seq: seq, occurredAt: time, entry: entry, previousHash: previousHash,
                          hash: chainHash(seq: seq, occurredAt: time, entry: entry, previousHash: previousHash))
    }

    /// SHA-256 over a length-prefixed encoding of every field, so no two different
    /// events encode alike.
    public static func chainHash(seq: Int64, occurredAt: Int64, entry: AuditEntry, previousHash: String) -> String {
        var hasher = SHA256()
        let fields = [String(seq), String(occurredAt), entry.actor, entry.action, entry.entityType, entry.entityID,
                      entry.before, entry.after, entry.requestID, entry.ip, previousHash]
        for field in fields {
            let bytes = Array(field.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Events, newest first, optionally for one entity.
    public static func recent(on sql: any SQLDatabase, limit: Int = 100, entityType: String? = nil, entityID: String? = nil) async throws -> [AuditEvent] {
        var query = SQLQueryString("SELECT * FROM audit_events WHERE 1 = 1")
        if let entityType { query.appendInterpolation(unsafeRaw: " AND entity_type = "); query.appendInterpolation(bind: entityType) }
        if let entityID { query.appendInterpolation(unsafeRaw: " AND entity_id = "); query.appendInterpolation(bind: entityID) }
        query.appendInterpolation(unsafeRaw: " ORDER BY seq DESC LIMIT ")
        query.appendInterpolation(bind: limit)
        return try await sql.raw(query).all().map(decode)
    }

    /// Walks the whole chain in order and reports the first break.
    public static func verify(on sql: any SQLDatabase, pageSize: Int = 5_000) async throws -> AuditVerification {
        var expectedSeq: Int64 = 1
        var previousHash = genesisHash
        var checked: Int64 = 0
        while true {
            let rows = try await sql.raw("SELECT * FROM audit_events WHERE seq >= \(bind: expectedSeq) ORDER BY seq LIMIT \(bind: pageSize)").all()
            if rows.isEmpty { break }
            for row in rows {
                let event = try decode(row)
                if event.seq != expectedSeq {
                    return .broken(seq: expectedSeq, reason: "event \(expectedSeq) is missing (deleted); the next stored event is \(event.seq)", checked: checked)
                }
                let recomputed = chainHash(seq: event.seq, occurredAt: event.occurredAt, entry: event.entry, previousHash: event.previousHash)
                if recomputed != event.hash {
                    return .broken(seq: event.seq, reason: "event \(event.seq) was edited: its content no longer matches its hash", checked: checked)
                }
                if event.previousHash != previousHash {
                    return .broken(seq: event.seq, reason: "event \(event.seq) does not follow event \(event.seq - 1): the chain was reordered or an event was deleted", checked: checked)
                }
                previousHash = event.hash
                expectedSeq += 1
                checked += 1
            }
        }
        let head = try await sql.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first()
        let headSeq = try head?.decode(column: "seq", as: Int64.self) ?? 0
        let headHash = try head?.decode(column: "hash", as: String.self) ?? genesisHash
        if headSeq != checked || headHash != previousHash {
            let missing = checked + 1
            return .broken(seq: missing, reason: "the chain ends at event \(checked) but the head records event \(headSeq): events from \(missing) on were deleted or altered", checked: checked)
        }
        return .intact(events: checked)
    }

    private static func decode(_ row: any SQLRow) throws -> AuditEvent {
        AuditEvent(
            seq: try row.decode(column: "seq", as: Int64.self),
            occurredAt: try row.decode(column: "occurred_at", as: Int64.self),
            entry: AuditEntry(
                actor: try row.decode(column: "actor", as: String.self),
                action: try row.decode(column: "action", as: String.self),
                entityType: try row.decode(column: "entity_type", as: String.self),
                entityID: try row.decode(column: "entity_id", as: String.self),
                before: try row.decode(column: "before_json", as: String.self),
                after: try row.decode(column: "after_json", as: String.self),
                requestID: try row.decode(column: "request_id", as: String.self),
                ip: try row.decode(column: "ip", as: String.self)),
            previousHash: try row.decode(column: "prev_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self))
    }
}

/// The result of walking the audit chain.
public enum AuditVerification: Sendable, Equatable {
    case intact(events: Int64)
    case broken(seq: Int64, reason: String, checked: Int64)
}
