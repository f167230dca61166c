import Platform


/// Clients' events from outside trading: deposits payment providers confirmed, KYC approvals and countries.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum ClientsSchema {
    public static let migrations: [Migration] = [clientEvents]

    /// What happened to a client outside trading (a deposit a payment provider
    /// confirmed, a KYC approval and the country it established), once per source
    /// and the source's own id.
    static let clientEvents = Migration(version: 12, name: "client_events") { _ in [
        """
        CREATE TABLE client_events (
            source TEXT NOT NULL, external_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL, amount BIGINT NOT NULL,
            currency TEXT NOT NULL, country TEXT NOT NULL, occurred_at BIGINT NOT NULL, received_at BIGINT NOT NULL, received_by TEXT NOT NULL,
            PRIMARY KEY (source, external_id))
        """,
        "CREATE INDEX client_events_user ON client_events (user_id, occurred_at)",
    ] }
}
