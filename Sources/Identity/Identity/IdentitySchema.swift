import Platform


/// Identity's tables: brands, users, sessions, password resets, API keys.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum IdentitySchema {
    public static let migrations: [Migration] = [foundation, preferences, clientOrder, searchTerms]

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

    /// What the client search looks up (`UserSearchTerms`): a term's users by an index
    /// range, and a user's terms when the list is walked in registration order. Terms sort
    /// bytewise (COLLATE "C" on PostgreSQL), so a prefix is one contiguous range.
    /// Existing users get their email, its domain, their name and each word of it.
    static let searchTerms = Migration(version: 21, name: "user_search_terms") { dialect in
        let postgres = dialect.kind == .postgres
        let find = postgres ? "strpos" : "instr"
        let backfill = """
            WITH RECURSIVE words (user_id, word, rest) AS (
                SELECT id, CAST('' AS TEXT), LOWER(TRIM(display_name)) || ' ' FROM users
                UNION ALL
                SELECT user_id, substr(rest, 1, \(find)(rest, ' ') - 1), substr(rest, \(find)(rest, ' ') + 1) FROM words WHERE rest <> ''
            ), terms (term, user_id) AS (
                SELECT word, user_id FROM words WHERE word <> ''
                UNION SELECT LOWER(TRIM(display_name)), id FROM users
                UNION SELECT LOWER(email), id FROM users
                UNION SELECT substr(LOWER(email), \(find)(email, '@') + 1), id FROM users WHERE \(find)(email, '@') > 0
            )
            """
        return [
            "CREATE TABLE user_search_terms (term TEXT\(postgres ? " COLLATE \"C\"" : "") NOT NULL, user_id TEXT NOT NULL REFERENCES users(id), PRIMARY KEY (term, user_id))\(dialect.withoutRowID)",
            "CREATE INDEX user_search_terms_user ON user_search_terms (user_id, term)",
            postgres
                ? backfill + " INSERT INTO user_search_terms (term, user_id) SELECT DISTINCT substr(term, 1, 120), user_id FROM terms WHERE term <> '' ON CONFLICT DO NOTHING"
                : backfill + " INSERT OR IGNORE INTO user_search_terms (term, user_id) SELECT DISTINCT substr(term, 1, 120), user_id FROM terms WHERE term <> ''",
        ]
    }
}
