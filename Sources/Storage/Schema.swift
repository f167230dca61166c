/// Pipstack's schema, one migration per step. Never edit a released migration: add one.
public enum Schema {
    public static let all: [Migration] = [foundation, exchangeRates, postingChains, trading, tradingAccounts, partners, commissionLines,
                                              commissionNumbers, dealRevisions, payouts, commissionAdjustments, clientEvents, instruments, marketSpreads]

    static let foundation = Migration(version: 1, name: "foundation") { d in [
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
        // Double-entry ledger. Amounts are BIGINT minor units of the account's currency.
        """
        CREATE TABLE ledger_accounts (
            id \(d.sequenceKey), code TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, owner TEXT NOT NULL,
            currency TEXT NOT NULL, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE ledger_transactions (
            seq \(d.sequenceKey), idempotency_key TEXT NOT NULL UNIQUE, fingerprint BIGINT NOT NULL,
            kind TEXT NOT NULL, memo TEXT NOT NULL, occurred_at BIGINT NOT NULL, posted_at BIGINT NOT NULL)
        """,
        // A posting's id is tx_seq * 1024 + leg: unique, increasing, so inserts append
        // to the table's B-tree (SQLite's rowid) and a transaction's postings are one range.
        """
        CREATE TABLE ledger_postings (
            id \(d.int64Key), tx_seq BIGINT NOT NULL, leg INTEGER NOT NULL,
            account_id BIGINT NOT NULL, amount BIGINT NOT NULL)
        """,
        // An account's history in posting order (SQLite appends the rowid to every index entry).
        "CREATE INDEX ledger_postings_account ON ledger_postings (\(d.kind == .sqlite ? "account_id" : "account_id, id"))",
        """
        CREATE TABLE ledger_balances (
            account_id \(d.int64Key), balance BIGINT NOT NULL, last_tx_seq BIGINT NOT NULL)
        """,
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

    /// Every rate used for a conversion is stored first and referred to by id, so
    /// that any converted amount can be recomputed from the stored rate.
    static let exchangeRates = Migration(version: 2, name: "exchange_rates") { _ in [
        """
        CREATE TABLE exchange_rates (
            id TEXT PRIMARY KEY, base TEXT NOT NULL, quote TEXT NOT NULL, scaled_rate BIGINT NOT NULL,
            source TEXT NOT NULL, effective_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL)
        """,
        "CREATE INDEX exchange_rates_pair ON exchange_rates (base, quote, effective_at)",
    ] }

    /// Account history as a chain instead of an index: each posting links to the
    /// previous posting on its account and carries the balance after it, and the
    /// balance row names the newest posting. Appending postings then never touches a
    /// random page of an (account, posting) index, which cost the SQLite writer more
    /// than half its throughput; statements read newest first along the chain, with
    /// running balances. Existing postings are linked here.
    static let postingChains = Migration(version: 3, name: "posting_chains") { _ in [
        "ALTER TABLE ledger_postings ADD COLUMN balance_after BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE ledger_postings ADD COLUMN prev_id BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE ledger_balances ADD COLUMN last_posting_id BIGINT NOT NULL DEFAULT 0",
        """
        UPDATE ledger_postings SET balance_after = r.running, prev_id = r.previous
        FROM (SELECT id, CAST(SUM(amount) OVER w AS BIGINT) AS running, LAG(id, 1, 0) OVER w AS previous
              FROM ledger_postings WINDOW w AS (PARTITION BY account_id ORDER BY id)) AS r
        WHERE ledger_postings.id = r.id
        """,
        """
        UPDATE ledger_balances SET last_posting_id = m.last
        FROM (SELECT account_id, MAX(id) AS last FROM ledger_postings GROUP BY account_id) AS m
        WHERE ledger_balances.account_id = m.account_id
        """,
        "DROP INDEX ledger_postings_account",
    ] }

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

    /// Partners, their tree, plans and attributions, all effective-dated: a link,
    /// plan assignment or attribution holds from `valid_from` (inclusive) to
    /// `valid_to` (exclusive; the largest BIGINT while open), so the state at any
    /// past moment can be read back and a move never rewrites earlier earnings.
    /// `partner_closure` is the current tree's closure table (ancestor, descendant,
    /// depth) for fast subtree queries on both databases.
    static let partners = Migration(version: 6, name: "partners") { _ in [
        """
        CREATE TABLE partners (
            id TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, legal_type TEXT NOT NULL, name TEXT NOT NULL,
            email TEXT NOT NULL, status TEXT NOT NULL, agreement_accepted_at BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE partner_links (
            partner_id TEXT NOT NULL, parent_id TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL,
            PRIMARY KEY (partner_id, valid_from))
        """,
        "CREATE INDEX partner_links_parent ON partner_links (parent_id, valid_to)",
        """
        CREATE TABLE partner_closure (
            ancestor_id TEXT NOT NULL, descendant_id TEXT NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (ancestor_id, descendant_id))
        """,
        "CREATE INDEX partner_closure_descendant ON partner_closure (descendant_id)",
        """
        CREATE TABLE commission_plans (
            id TEXT NOT NULL, version INTEGER NOT NULL, effective_from BIGINT NOT NULL, document TEXT NOT NULL,
            created_by TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (id, version))
        """,
        """
        CREATE TABLE partner_plans (
            partner_id TEXT NOT NULL, plan_id TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL,
            PRIMARY KEY (partner_id, valid_from))
        """,
        """
        CREATE TABLE attributions (
            subject_type TEXT NOT NULL, subject_id TEXT NOT NULL, partner_id TEXT NOT NULL, excluded INTEGER NOT NULL,
            rebate_receiver TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL,
            PRIMARY KEY (subject_type, subject_id, valid_from))
        """,
        "CREATE INDEX attributions_partner ON attributions (partner_id, valid_to)",
    ] }

    /// Commission lines, exactly once per (deal, rule, beneficiary, level); what
    /// rounding to minor units left per partner; and the outbox of ledger postings
    /// a commission batch commits with its lines and the feed cursor.
    static let commissionLines = Migration(version: 7, name: "commission_lines") { d in [
        """
        CREATE TABLE commission_lines (
            server_id TEXT NOT NULL, ticket BIGINT NOT NULL, rule_id TEXT NOT NULL, partner_id TEXT NOT NULL, level INTEGER NOT NULL,
            amount BIGINT NOT NULL, currency TEXT NOT NULL, login BIGINT NOT NULL, symbol TEXT NOT NULL, deal_time BIGINT NOT NULL,
            feed_seq BIGINT NOT NULL, PRIMARY KEY (server_id, ticket, rule_id, partner_id, level))\(d.withoutRowID)
        """,
        "CREATE INDEX commission_lines_partner ON commission_lines (partner_id, deal_time)",
        "CREATE TABLE commission_residues (partner_id TEXT NOT NULL, currency TEXT NOT NULL, residue BIGINT NOT NULL, PRIMARY KEY (partner_id, currency))",
        """
        CREATE TABLE commission_postings (
            batch_key TEXT PRIMARY KEY, document TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, posted_at BIGINT NOT NULL)
        """,
        "CREATE INDEX commission_postings_status ON commission_postings (status)",
        "CREATE INDEX trade_deals_position ON trade_deals (server_id, position_id)",
    ] }

    /// Commission lines keyed by integers only: the deal's feed position, numbers
    /// for partner and rule ids (`commission_names`), the level, and for a reversing
    /// line the feed position of the deal version it reverses (0 otherwise), so the hot insert appends to
    /// one narrow B-tree and nothing else per line. An index by partner would be
    /// written at every partner's own place on every batch (the ingest ran at a third
    /// of the speed with one); instead each batch appends its directory:
    /// `commission_batches` (its feed range and days) and `commission_partner_batches`
    /// (per partner: count, amount, and the feed positions of the partner's lines,
    /// delta-encoded). Per-day totals live in `commission_daily`, keyed day first so a
    /// batch updates a few adjacent pages; they count the lots (10^-8) of the deals
    /// too, which volume tiers are priced on.
    static let commissionNumbers = Migration(version: 8, name: "commission_numbers") { d in [
        "CREATE TABLE commission_names (number \(d.sequenceKey), kind TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (kind, name))",
        "INSERT INTO commission_names (kind, name) SELECT DISTINCT 'partner', partner_id FROM commission_lines",
        "INSERT INTO commission_names (kind, name) SELECT DISTINCT 'rule', rule_id FROM commission_lines",
        "DROP INDEX commission_lines_partner",
        "ALTER TABLE commission_lines RENAME TO commission_lines_v7",
        """
        CREATE TABLE commission_lines (
            feed_seq BIGINT NOT NULL, partner BIGINT NOT NULL, rule BIGINT NOT NULL, level INTEGER NOT NULL, reverses BIGINT NOT NULL,
            amount BIGINT NOT NULL, currency TEXT NOT NULL, PRIMARY KEY (feed_seq, partner, rule, level, reverses))\(d.withoutRowID)
        """,
        """
        INSERT INTO commission_lines (feed_seq, partner, rule, level, reverses, amount, currency)
        SELECT l.feed_seq, p.number, r.number, l.level, 0, l.amount, l.currency FROM commission_lines_v7 l
        JOIN commission_names p ON p.kind = 'partner' AND p.name = l.partner_id JOIN commission_names r ON r.kind = 'rule' AND r.name = l.rule_id
        """,
        """
        CREATE TABLE commission_batches (
            first_seq BIGINT PRIMARY KEY, last_seq BIGINT NOT NULL, first_day BIGINT NOT NULL, last_day BIGINT NOT NULL, lines BIGINT NOT NULL)
        """,
        """
        CREATE TABLE commission_partner_batches (
            first_seq BIGINT NOT NULL, partner BIGINT NOT NULL, lines BIGINT NOT NULL, amount BIGINT NOT NULL, seqs \(d.kind == .sqlite ? "BLOB" : "BYTEA") NOT NULL,
            PRIMARY KEY (first_seq, partner))\(d.withoutRowID)
        """,
        // Lines from before the directory existed form one batch whose positions are not listed (readers scan its range).
        """
        INSERT INTO commission_batches (first_seq, last_seq, first_day, last_day, lines)
        SELECT MIN(feed_seq), MAX(feed_seq), (MIN(deal_time) / 86400000000) * 86400000000, (MAX(deal_time) / 86400000000) * 86400000000, COUNT(*)
        FROM commission_lines_v7 HAVING COUNT(*) > 0
        """,
        """
        INSERT INTO commission_partner_batches (first_seq, partner, lines, amount, seqs)
        SELECT (SELECT MIN(feed_seq) FROM commission_lines_v7), p.number, COUNT(*), SUM(l.amount), \(d.kind == .sqlite ? "X''" : "''::bytea")
        FROM commission_lines_v7 l JOIN commission_names p ON p.kind = 'partner' AND p.name = l.partner_id GROUP BY p.number
        """,
        """
        CREATE TABLE commission_daily (
            day BIGINT NOT NULL, partner BIGINT NOT NULL, level INTEGER NOT NULL, rule BIGINT NOT NULL, currency TEXT NOT NULL,
            amount BIGINT NOT NULL, lines BIGINT NOT NULL, lots BIGINT NOT NULL, PRIMARY KEY (day, partner, level, rule, currency))\(d.withoutRowID)
        """,
        """
        INSERT INTO commission_daily (day, partner, level, rule, currency, amount, lines, lots)
        SELECT (l.deal_time / 86400000000) * 86400000000, p.number, l.level, r.number, l.currency, SUM(l.amount), COUNT(*), SUM(COALESCE(t.volume, 0))
        FROM commission_lines_v7 l JOIN commission_names p ON p.kind = 'partner' AND p.name = l.partner_id
        JOIN commission_names r ON r.kind = 'rule' AND r.name = l.rule_id LEFT JOIN trade_deals t ON t.feed_seq = l.feed_seq
        GROUP BY (l.deal_time / 86400000000) * 86400000000, p.number, l.level, r.number, l.currency
        """,
        "DROP TABLE commission_lines_v7",
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

    /// How each partner is paid (schedule, minimum, currency, wallet or trading
    /// account, whether finance approves first) and the payouts themselves: one per
    /// partner and period, so a run repeated for the same period creates nothing.
    static let payouts = Migration(version: 10, name: "payouts") { _ in [
        """
        CREATE TABLE partner_payout_settings (
            partner_id TEXT PRIMARY KEY, schedule TEXT NOT NULL, minimum_minor BIGINT NOT NULL, currency TEXT NOT NULL, method TEXT NOT NULL,
            target TEXT NOT NULL, needs_approval INTEGER NOT NULL, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE payouts (
            id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, period_key TEXT NOT NULL, period_start BIGINT NOT NULL, period_end BIGINT NOT NULL,
            amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, payout_minor BIGINT NOT NULL, payout_currency TEXT NOT NULL, rate_id TEXT NOT NULL,
            method TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, decided_by TEXT NOT NULL,
            created_at BIGINT NOT NULL, decided_at BIGINT NOT NULL, paid_at BIGINT NOT NULL, UNIQUE (partner_id, period_key))
        """,
        "CREATE INDEX payouts_status ON payouts (status, created_at)",
    ] }

    /// Period-end adjustments (volume tiers priced on the period's lots, less what
    /// real time paid) and revenue-share settlements with their carried loss: one per
    /// partner, rule and period, with the numbers each came from.
    static let commissionAdjustments = Migration(version: 11, name: "commission_adjustments") { _ in [
        """
        CREATE TABLE commission_adjustments (
            partner_id TEXT NOT NULL, rule_id TEXT NOT NULL, period_key TEXT NOT NULL, period_start BIGINT NOT NULL, period_end BIGINT NOT NULL,
            plan_id TEXT NOT NULL, plan_version INTEGER NOT NULL, lots BIGINT NOT NULL, paid BIGINT NOT NULL, target BIGINT NOT NULL,
            amount BIGINT NOT NULL, currency TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (partner_id, rule_id, period_key))
        """,
        """
        CREATE TABLE revenue_share_periods (
            partner_id TEXT NOT NULL, period_key TEXT NOT NULL, period_start BIGINT NOT NULL, period_end BIGINT NOT NULL, plan_id TEXT NOT NULL,
            plan_version INTEGER NOT NULL, accounts INTEGER NOT NULL, net BIGINT NOT NULL, carry_in BIGINT NOT NULL, payout BIGINT NOT NULL,
            carry_out BIGINT NOT NULL, periods_carried INTEGER NOT NULL, skipped TEXT NOT NULL, currency TEXT NOT NULL, created_at BIGINT NOT NULL,
            PRIMARY KEY (partner_id, period_key))
        """,
    ] }

    /// What happened to a client outside trading (a deposit a payment provider
    /// confirmed, a KYC approval and the country it established), once per source
    /// and the source's own id; and the CPA decided for each referred client, at
    /// most one per client ever.
    static let clientEvents = Migration(version: 12, name: "client_events") { _ in [
        """
        CREATE TABLE client_events (
            source TEXT NOT NULL, external_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL, amount BIGINT NOT NULL,
            currency TEXT NOT NULL, country TEXT NOT NULL, occurred_at BIGINT NOT NULL, received_at BIGINT NOT NULL, received_by TEXT NOT NULL,
            PRIMARY KEY (source, external_id))
        """,
        "CREATE INDEX client_events_user ON client_events (user_id, occurred_at)",
        """
        CREATE TABLE cpa_awards (
            user_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, plan_id TEXT NOT NULL, plan_version INTEGER NOT NULL, status TEXT NOT NULL,
            amount BIGINT NOT NULL, currency TEXT NOT NULL, first_deposit BIGINT NOT NULL, lots BIGINT NOT NULL, spread BIGINT NOT NULL,
            country TEXT NOT NULL, detail TEXT NOT NULL, parts TEXT NOT NULL, decided_at BIGINT NOT NULL, created_at BIGINT NOT NULL)
        """,
        "CREATE INDEX cpa_awards_partner ON cpa_awards (partner_id, decided_at)",
    ] }

    /// The broker's word on its symbols where the name-based guess is not enough: the
    /// group a symbol's rates are chosen by, and the currency its profit is in.
    static let instruments = Migration(version: 13, name: "instruments") { _ in [
        """
        CREATE TABLE instruments (
            symbol TEXT PRIMARY KEY, group_name TEXT NOT NULL, profit_currency TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL)
        """,
    ] }

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
}
