
/// The platform's tables: the hash-chained audit trail and the job queue (outbox).
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum PlatformSchema {
    public static let migrations: [Migration] = [foundation]

    static let foundation = Migration(version: 1, name: "foundation") { _ in [
        // Append-only, hash-chained audit trail. audit_head anchors the tail so that
        // deleting the newest events is detected too.
        """
        CREATE TABLE audit_events (
            seq BIGINT PRIMARY KEY, occurred_at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, before_json TEXT NOT NULL, after_json TEXT NOT NULL,
            request_id TEXT NOT NULL, ip TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
        """,
        "CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id)",
        "CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
        // Job queue / outbox: at-least-once delivery to idempotent handlers.
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY, queue TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
            dedup_key TEXT UNIQUE, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL, run_at BIGINT NOT NULL, locked_until BIGINT NOT NULL DEFAULT 0,
            last_error TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        "CREATE INDEX jobs_due ON jobs (status, run_at)",
    ] }
}
