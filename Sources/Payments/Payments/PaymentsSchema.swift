import Platform

/// The Payments slice's tables.
public enum PaymentsSchema {
    public static let migrations: [Migration] = [payments]

    /// Providers (credentials sealed), deposits, every verified webhook delivery
    /// (keyed by provider and event id: a repeated delivery finds its row and changes
    /// nothing), and refused deliveries, kept with their reason for review.
    static let payments = Migration(version: 26, name: "payments") { d in [
        """
        CREATE TABLE payment_providers (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, api_base TEXT NOT NULL, api_key_sealed TEXT NOT NULL,
            webhook_secret_sealed TEXT NOT NULL, enabled INTEGER NOT NULL, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE payment_deposits (
            id TEXT PRIMARY KEY, user_id TEXT NOT NULL, provider TEXT NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL,
            state TEXT NOT NULL, provider_payment TEXT NOT NULL, redirect_url TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE,
            credited INTEGER NOT NULL, reversed INTEGER NOT NULL, reason TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        "CREATE UNIQUE INDEX payment_deposits_provider_payment ON payment_deposits (provider, provider_payment) WHERE provider_payment <> ''",
        "CREATE INDEX payment_deposits_user ON payment_deposits (user_id, created_at)",
        "CREATE INDEX payment_deposits_to_credit ON payment_deposits (state, credited)",
        "CREATE INDEX payment_deposits_by_state ON payment_deposits (state, created_at)",
        // A client whose deposit was charged back may not withdraw until staff lift the hold.
        """
        CREATE TABLE payment_holds (
            user_id TEXT NOT NULL, deposit_id TEXT NOT NULL, reason TEXT NOT NULL, created_at BIGINT NOT NULL, lifted_at BIGINT,
            PRIMARY KEY (user_id, deposit_id))
        """,
        """
        CREATE TABLE payment_webhooks (
            provider TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, deposit_id TEXT NOT NULL, outcome TEXT NOT NULL,
            body TEXT NOT NULL, deliveries BIGINT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (provider, event_id))
        """,
        """
        CREATE TABLE payment_webhook_refusals (
            id \(d.sequenceKey), provider TEXT NOT NULL, reason TEXT NOT NULL, signature TEXT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL)
        """,
    ] }
}
