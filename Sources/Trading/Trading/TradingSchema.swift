import Platform


/// Trading's tables: servers, deals and their revisions, the deal feed, account types, trading accounts, balance operations, reconciliation.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum TradingSchema {
    public static let migrations: [Migration] = [trading, tradingAccounts, dealPositions, dealRevisions, marketSpreads, tradeSymbols, activeDays, accountBrands]

    /// Each stored deal's volume by feed position (`feed_seq`, `volume`): what another
    /// slice's migration may join (the commission totals of version 8 count lots) without
    /// naming Trading's tables.
    public static let dealVolumes = "(SELECT feed_seq, volume FROM trade_deals)"

    /// Trade servers, the deals synced from them, and the deal feed. A deal is keyed
    /// by (server, ticket); `feed_seq` orders deals as they were stored, with no
    /// commit ever landing behind a number a consumer has passed (the head row is
    /// locked while a batch draws numbers), so consumers follow the feed by cursor.
    static let trading = Migration(version: 4, name: "trading") { d in [
        """
        CREATE TABLE trade_servers (
            id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, platform TEXT NOT NULL, environment TEXT NOT NULL,
            host TEXT NOT NULL, port INTEGER NOT NULL, use_tls INTEGER NOT NULL, allow_self_signed INTEGER NOT NULL,
            certificate_pem TEXT NOT NULL, manager_login BIGINT NOT NULL, password_sealed TEXT NOT NULL,
            group_mask TEXT NOT NULL, enabled INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE trade_deals (
            server_id TEXT NOT NULL, ticket BIGINT NOT NULL, login BIGINT NOT NULL, action INTEGER NOT NULL, entry INTEGER NOT NULL,
            reason INTEGER NOT NULL, order_ticket BIGINT NOT NULL, position_id BIGINT NOT NULL, symbol TEXT NOT NULL,
            time_us BIGINT NOT NULL, price_points BIGINT NOT NULL, digits INTEGER NOT NULL, volume BIGINT NOT NULL,
            contract_size BIGINT NOT NULL, profit BIGINT NOT NULL, commission BIGINT NOT NULL, swap BIGINT NOT NULL,
            fee BIGINT NOT NULL, comment TEXT NOT NULL, external_id TEXT NOT NULL, feed_seq BIGINT NOT NULL,
            synced_at BIGINT NOT NULL, PRIMARY KEY (server_id, ticket))\(d.withoutRowID)
        """,
        "CREATE INDEX trade_deals_account ON trade_deals (server_id, login, time_us)",
        "CREATE UNIQUE INDEX trade_deals_feed ON trade_deals (feed_seq)",
        "CREATE TABLE deal_feed_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL)",
        "INSERT INTO deal_feed_head (id, seq) VALUES (1, 0)",
        """
        CREATE TABLE deal_sync_state (
            server_id TEXT PRIMARY KEY, cursor_time BIGINT NOT NULL, deals_stored BIGINT NOT NULL,
            last_synced_at BIGINT NOT NULL, last_error TEXT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        "CREATE TABLE deal_feed_consumers (consumer TEXT PRIMARY KEY, seq BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    ] }

    /// Account types (a server's group as the broker sells it), the trading accounts
    /// Pipstack opened, the balance-operation outbox, and reconciliation runs.
    /// Logins are drawn from a per-server range so that a retried creation asks
    /// the server for the same login.
    static let tradingAccounts = Migration(version: 5, name: "trading_accounts") { d in [
        "ALTER TABLE trade_servers ADD COLUMN login_next BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE trade_servers ADD COLUMN login_last BIGINT NOT NULL DEFAULT 0",
        """
        CREATE TABLE account_types (
            id TEXT PRIMARY KEY, server_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, mt_group TEXT NOT NULL,
            currency TEXT NOT NULL, leverage_options TEXT NOT NULL, enabled INTEGER NOT NULL,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (server_id, mt_group))
        """,
        """
        CREATE TABLE trading_accounts (
            server_id TEXT NOT NULL, login BIGINT NOT NULL, user_id TEXT NOT NULL, account_type_id TEXT NOT NULL,
            mt_group TEXT NOT NULL, currency TEXT NOT NULL, leverage INTEGER NOT NULL, status TEXT NOT NULL,
            trading_enabled INTEGER NOT NULL, request_id TEXT NOT NULL UNIQUE, last_error TEXT NOT NULL,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (server_id, login))
        """,
        "CREATE INDEX trading_accounts_user ON trading_accounts (user_id)",
        """
        CREATE TABLE balance_operations (
            id TEXT PRIMARY KEY, server_id TEXT NOT NULL, login BIGINT NOT NULL, kind TEXT NOT NULL, amount BIGINT NOT NULL,
            currency TEXT NOT NULL, wallet_owner TEXT NOT NULL, wallet_amount BIGINT NOT NULL, wallet_currency TEXT NOT NULL,
            comment TEXT NOT NULL, status TEXT NOT NULL, deal_ticket BIGINT NOT NULL, attempts INTEGER NOT NULL,
            first_sent_at BIGINT NOT NULL, lease_until BIGINT NOT NULL, last_error TEXT NOT NULL, requested_by TEXT NOT NULL,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        "CREATE INDEX balance_operations_status ON balance_operations (status, lease_until)",
        "CREATE INDEX balance_operations_account ON balance_operations (server_id, login)",
        """
        CREATE TABLE reconciliation_runs (
            id \(d.sequenceKey), started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, accounts INTEGER NOT NULL,
            differences INTEGER NOT NULL, error TEXT NOT NULL)
        """,
        """
        CREATE TABLE reconciliation_items (
            id \(d.sequenceKey), run_id BIGINT NOT NULL, server_id TEXT NOT NULL, login BIGINT NOT NULL, check_kind TEXT NOT NULL,
            reference TEXT NOT NULL, currency TEXT NOT NULL, pipstack_amount BIGINT NOT NULL, server_amount BIGINT NOT NULL,
            detail TEXT NOT NULL, status TEXT NOT NULL, resolution TEXT NOT NULL, resolved_by TEXT NOT NULL, resolved_at BIGINT NOT NULL)
        """,
        "CREATE INDEX reconciliation_items_run ON reconciliation_items (run_id, status)",
        "CREATE INDEX reconciliation_items_account ON reconciliation_items (server_id, login)",
    ] }

    /// Deals by position, for the opening deal of a closing one (commissions price positions).
    static let dealPositions = Migration(version: 7, name: "commission_lines") { _ in [
        "CREATE INDEX trade_deals_position ON trade_deals (server_id, position_id)",
    ] }

    /// A deal the trade server changed after it was synced (a dealer's correction, or
    /// a cancellation, which MT5 records as action 13/14) is stored again under a new
    /// feed position: the row keeps the latest version with `replaces_seq` naming the
    /// position of the version before, and a trigger keeps every earlier version in
    /// `trade_deal_revisions`, so lines computed from it stay explainable and the
    /// commission pipeline reverses exactly what it stored for it.
    static let dealRevisions = Migration(version: 9, name: "deal_revisions") { d in
        let columns = ["server_id", "ticket", "login", "action", "entry", "reason", "order_ticket", "position_id", "symbol", "time_us",
                       "price_points", "digits", "volume", "contract_size", "profit", "commission", "swap", "fee", "comment", "external_id",
                       "feed_seq", "synced_at", "replaces_seq", "revision"]
        let old = columns.map { "OLD." + $0 }.joined(separator: ", ")
        let copy = "INSERT INTO trade_deal_revisions (\(columns.joined(separator: ", "))) VALUES (\(old));"
        return [
            "ALTER TABLE trade_deals ADD COLUMN replaces_seq BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE trade_deals ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE trade_deal_revisions (
                server_id TEXT NOT NULL, ticket BIGINT NOT NULL, login BIGINT NOT NULL, action INTEGER NOT NULL, entry INTEGER NOT NULL,
                reason INTEGER NOT NULL, order_ticket BIGINT NOT NULL, position_id BIGINT NOT NULL, symbol TEXT NOT NULL,
                time_us BIGINT NOT NULL, price_points BIGINT NOT NULL, digits INTEGER NOT NULL, volume BIGINT NOT NULL,
                contract_size BIGINT NOT NULL, profit BIGINT NOT NULL, commission BIGINT NOT NULL, swap BIGINT NOT NULL,
                fee BIGINT NOT NULL, comment TEXT NOT NULL, external_id TEXT NOT NULL, feed_seq BIGINT PRIMARY KEY,
                synced_at BIGINT NOT NULL, replaces_seq BIGINT NOT NULL, revision INTEGER NOT NULL)
            """,
            "CREATE INDEX trade_deal_revisions_deal ON trade_deal_revisions (server_id, ticket)",
        ] + (d.kind == .sqlite ? [
            "CREATE TRIGGER trade_deals_revision BEFORE UPDATE ON trade_deals BEGIN \(copy) END",
        ] : [
            "CREATE FUNCTION trade_deals_revision() RETURNS trigger AS $$ BEGIN \(copy) RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER trade_deals_revision BEFORE UPDATE ON trade_deals FOR EACH ROW EXECUTE FUNCTION trade_deals_revision()",
        ])
    }

    /// The market's spread when each deal was executed (points; 0 when the server did
    /// not say), kept with every version of a deal: spread-share rules damp their pay
    /// with it during news spikes. The revision trigger is recreated to copy it.
    static let marketSpreads = Migration(version: 14, name: "market_spreads") { d in
        let columns = ["server_id", "ticket", "login", "action", "entry", "reason", "order_ticket", "position_id", "symbol", "time_us",
                       "price_points", "digits", "volume", "contract_size", "profit", "commission", "swap", "fee", "comment", "external_id",
                       "feed_seq", "synced_at", "replaces_seq", "revision", "spread_points"]
        let old = columns.map { "OLD." + $0 }.joined(separator: ", ")
        let copy = "INSERT INTO trade_deal_revisions (\(columns.joined(separator: ", "))) VALUES (\(old));"
        return [
            "ALTER TABLE trade_deals ADD COLUMN spread_points BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE trade_deal_revisions ADD COLUMN spread_points BIGINT NOT NULL DEFAULT 0",
        ] + (d.kind == .sqlite ? [
            "DROP TRIGGER trade_deals_revision",
            "CREATE TRIGGER trade_deals_revision BEFORE UPDATE ON trade_deals BEGIN \(copy) END",
        ] : [
            "CREATE OR REPLACE FUNCTION trade_deals_revision() RETURNS trigger AS $$ BEGIN \(copy) RETURN NEW; END $$ LANGUAGE plpgsql",
        ])
    }

    /// What each trade server says about its symbols (`SymbolDirectory`): the folder a
    /// dealer filed a symbol in decides its instrument group for commissions.
    static let tradeSymbols = Migration(version: 15, name: "trade_symbols") { _ in [
        """
        CREATE TABLE trade_symbols (
            server_id TEXT NOT NULL, symbol TEXT NOT NULL, path TEXT NOT NULL, digits INTEGER NOT NULL, contract_size BIGINT NOT NULL,
            base_currency TEXT NOT NULL, profit_currency TEXT NOT NULL, margin_currency TEXT NOT NULL, updated_at BIGINT NOT NULL,
            PRIMARY KEY (server_id, symbol))
        """,
    ] }

    /// Which accounts traded on which UTC day (`ActiveDays`), and how many per day and
    /// server: the back office's "active accounts" chart reads 30 rows, not 10 million
    /// deals. The deal writers keep both in the transaction that stores the deals;
    /// existing deals are counted once here.
    static let activeDays = Migration(version: 19, name: "trade_active_days") { d in [
        """
        CREATE TABLE trade_active_days (
            day BIGINT NOT NULL, server_id TEXT NOT NULL, login BIGINT NOT NULL, PRIMARY KEY (day, server_id, login))\(d.withoutRowID)
        """,
        "CREATE TABLE trade_active_day_counts (day BIGINT NOT NULL, server_id TEXT NOT NULL, accounts BIGINT NOT NULL, PRIMARY KEY (day, server_id))",
        """
        INSERT INTO trade_active_days (day, server_id, login)
        SELECT DISTINCT time_us / 86400000000 * 86400000000, server_id, login FROM trade_deals WHERE action IN (0, 1)
        """,
        """
        INSERT INTO trade_active_day_counts (day, server_id, accounts)
        SELECT day, server_id, COUNT(*) FROM trade_active_days GROUP BY day, server_id
        """,
    ] }

    /// The brand each account was opened under (the owner's, through Identity's published
    /// read), so that the back-office home shows each brand's figures. The daily active
    /// counts are kept per brand too. Existing accounts get their brand at start-up
    /// (`TradingAccountStore.assignMissingBrands`): a migration may not read another
    /// slice's tables.
    static let accountBrands = Migration(version: 24, name: "trading_account_brands") { _ in [
        "ALTER TABLE trading_accounts ADD COLUMN brand_id TEXT NOT NULL DEFAULT ''",
        "DROP TABLE trade_active_day_counts",
        """
        CREATE TABLE trade_active_day_counts (
            day BIGINT NOT NULL, server_id TEXT NOT NULL, brand_id TEXT NOT NULL, accounts BIGINT NOT NULL, PRIMARY KEY (day, server_id, brand_id))
        """,
        """
        INSERT INTO trade_active_day_counts (day, server_id, brand_id, accounts)
        SELECT day, server_id, '', COUNT(*) FROM trade_active_days GROUP BY day, server_id
        """,
    ] }
}
