import Platform


/// Clients' events from outside trading: deposits payment providers confirmed, KYC approvals and countries.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum ClientsSchema {
    public static let migrations: [Migration] = [clientEvents, clientCountries]

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

    /// Each client's country now (from the latest event that named one), so that the
    /// client list filters by country with an index rather than reading every event.
    static let clientCountries = Migration(version: 23, name: "client_countries") { dialect in
        let fill = """
            SELECT e.user_id, e.country, e.occurred_at FROM client_events e WHERE e.country <> ''
                AND e.occurred_at = (SELECT MAX(x.occurred_at) FROM client_events x WHERE x.user_id = e.user_id AND x.country <> '')
            """
        return [
            "CREATE TABLE client_countries (user_id TEXT PRIMARY KEY, country TEXT NOT NULL, since BIGINT NOT NULL)",
            "CREATE INDEX client_countries_country ON client_countries (country, user_id)",
            dialect.kind == .postgres
                ? "INSERT INTO client_countries (user_id, country, since) \(fill) ON CONFLICT (user_id) DO NOTHING"
                : "INSERT OR IGNORE INTO client_countries (user_id, country, since) \(fill)",
        ]
    }
}
