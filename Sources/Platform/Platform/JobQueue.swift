import BrokerCore
import Foundation
import SQLKit

/// A job's life: pending → running → done, or back to pending with backoff after a
/// failure, or dead once its attempts are spent (shown in the back office for a
/// person to retry).
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case pending, running, done, dead
}

public struct Job: Sendable, Equatable, Codable {
    public let id: String
    public let queue: String
    public let kind: String
    public let payload: String
    public let dedupKey: String?
    public let status: JobStatus
    public let attempts: Int
    public let maxAttempts: Int
    public let runAt: Int64
    public let lastError: String?
    public let createdAt: Int64
    public let updatedAt: Int64
}

/// The database-backed job queue and outbox.
///
/// Enqueue inside the same transaction as the state change that causes it (that is
/// what makes it an outbox); delivery is at least once, so handlers are idempotent,
/// keyed by the job id or their own natural key. A job whose lease runs out (its
/// worker crashed) is claimed again.
public struct JobQueue: Sendable {
    public let db: Database
    public let clock: any PipstackClock
    public let leaseMicros: Int64

    public init(db: Database, clock: any PipstackClock = SystemClock(), leaseSeconds: Int64 = 300) {
        self.db = db
        self.clock = clock
        self.leaseMicros = leaseSeconds * 1_000_000
    }

    /// Adds a job on `sql` (pass the caller's transaction). With a `dedupKey`, a second
    /// enqueue of the same key is ignored and returns false.
    @discardableResult
    public static func enqueue(kind: String, payload: String, queue: String = "default", dedupKey: String? = nil,
                               maxAttempts: Int = 8, runAt: Int64? = nil, id: String, now: Int64,
                               on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.raw("""
            INSERT INTO jobs (id, queue, kind, payload, dedup_key, status, attempts, max_attempts, run_at, created_at, updated_at)
            VALUES (\(bind: id), \(bind: queue), \(bind: kind), \(bind: payload), \(bind: dedupKey), 'pending', 0,
                    \(bind: maxAttempts), \(bind: runAt ?? now), \(bind: now), \(bind: now))
            ON CONFLICT DO NOTHING RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// Claims up to `limit` due jobs (including running ones whose lease expired).
    public func claim(limit: Int = 10, queue: String = "default") async throws -> [Job] {
        let now = clock.nowMicros()
        let lease = now + leaseMicros
        let skipLocked = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await db.transaction { sql in
            let ids = try await sql.raw("""
                SELECT id FROM jobs WHERE queue = \(bind: queue)
                AND ((status = 'pending' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now)))
                ORDER BY run_at LIMIT \(bind: limit)\(unsafeRaw: skipLocked)
                """).all().map { try $0.decode(column: "id", as: String.self) }
            var jobs: [Job] = []
            for id in ids {
                try await sql.raw("""
                    UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = \(bind: lease), updated_at = \(bind: now)
                    WHERE id = \(bind: id)
                    """).run()
                if let row = try await sql.raw("SELECT * FROM jobs WHERE id = \(bind: id)").first() {
                    jobs.append(try JobQueue.decode(row))
                }
            }
            return jobs
        }
    }

    public func complete(_ id: String) async throws {
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("UPDATE jobs SET status = 'done', last_error = NULL, updated_at = \(bind: now) WHERE id = \(bind: id)").run()
        }
    }

    /// Records a failure: retried after an exponential backoff, or dead when attempts are spent.
    public func fail(_ job: Job, error: String) async throws {
        let now = clock.nowMicros()
        let dead = job.attempts >= job.maxAttempts
        let retryAt = now + JobQueue.backoffMicros(attempt: job.attempts)
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE jobs SET status = \(bind: dead ? JobStatus.dead.rawValue : JobStatus.pending.rawValue),
                run_at = \(bind: retryAt), last_error = \(bind: String(error.prefix(2_000))), updated_at = \(bind: now)
                WHERE id = \(bind: job.id)
                """).run()
        }
    }

    /// Puts a dead job back in the queue with fresh attempts.
    /// Puts a dead job back in the queue; `audit` is appended in the same transaction
    /// when it was dead. Returns false when there was no such dead job.
    public func retry(_ id: String, audit: AuditEntry? = nil) async throws -> Bool {
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE jobs SET status = 'pending', attempts = 0, run_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND status = 'dead' RETURNING id
                """).all()
            if !rows.isEmpty, let audit { try await AuditLog.append(audit, at: now, on: sql, dialect: dialect) }
            return !rows.isEmpty
        }
    }

    public func list(status: JobStatus? = nil, limit: Int = 100) async throws -> [Job] {
        try await db.read { sql in
            var query = SQLQueryString("SELECT * FROM jobs")
            if let status {
                query.appendInterpolation(unsafeRaw: " WHERE status = ")
                query.appendInterpolation(bind: status.rawValue)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY created_at DESC LIMIT ")
            query.appendInterpolation(bind: limit)
            return try await sql.raw(query).all().map(JobQueue.decode)
        }
    }

    public func counts() async throws -> [JobStatus: Int] {
        try await db.read { sql in
            var counts: [JobStatus: Int] = [:]
            for row in try await sql.raw("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").all() {
                if let status = JobStatus(rawValue: try row.decode(column: "status", as: String.self)) {
                    counts[status] = try row.decode(column: "n", as: Int.self)
                }
            }
            return counts
        }
    }

    /// 2^attempt seconds, capped at one hour.
    public static func backoffMicros(attempt: Int) -> Int64 {
        let seconds = Int64(1) << Int64(min(max(attempt, 0), 12))
        return min(seconds, 3_600) * 1_000_000
    }

    package static func decode(_ row: any SQLRow) throws -> Job {
        Job(id: try row.decode(column: "id", as: String.self),
            queue: try row.decode(column: "queue", as: String.self),
            kind: try row.decode(column: "kind", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            dedupKey: try row.decode(column: "dedup_key", as: String?.self),
            status: JobStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .dead,
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
            runAt: try row.decode(column: "run_at", as: Int64.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}
