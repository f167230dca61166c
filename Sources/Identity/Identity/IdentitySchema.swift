import Platform


/// Identity's tables: brands, users, sessions, password resets, API keys.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum IdentitySchema {
    public static let migrations: [Migration] = [foundation, preferences, clientOrder]

    static let foundation = Migration(version: 1, name: "foundation") { _ in [
        // Brands: the storefronts a broker runs, chosen by host.
        """
        CREATE TABLE brands (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, domains TEXT NOT NULL,
            theme_json TEXT NOT NULL, default_language TEXT NOT NULL, languages TEXT NOT NULL,
            legal_json TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)
        """,
        // People who log in: staff (with a role), traders, partners.
        """
        CREATE TABLE users (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, email TEXT NOT NULL, brand_id TEXT NOT NULL,
            display_name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT,
            totp_secret TEXT, totp_enabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0,
            status TEXT NOT NULL, language TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            UNIQUE (kind, email))
        """,
        // Server-side sessions; the cookie holds a token whose SHA-256 is the key.
        """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, surface TEXT NOT NULL,
            csrf_token TEXT NOT NULL, second_factor_ok INTEGER NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL,
            ip TEXT NOT NULL, user_agent TEXT NOT NULL)
        """,
        "CREATE INDEX sessions_user ON sessions (user_id)",
        """
        CREATE TABLE password_resets (
            token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at BIGINT NOT NULL,
            used_at BIGINT, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL, name TEXT NOT NULL,
            scopes TEXT NOT NULL, created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT)
        """,
    ] }

    /// A person's time zone (an IANA name; pages show times in it, UTC on hover).
    /// Their language was already kept; both are set on their profile page.
    static let preferences = Migration(version: 18, name: "user_preferences") { _ in [
        "ALTER TABLE users ADD COLUMN time_zone TEXT",
    ] }

    /// The client list pages newest first (`UserDirectory.clients`): without this index
    /// SQLite sorted every trader for each page (80 ms at 100,000 clients).
    static let clientOrder = Migration(version: 20, name: "users_by_registration") { _ in [
        "CREATE INDEX users_kind_created ON users (kind, created_at, id)",
    ] }
}
