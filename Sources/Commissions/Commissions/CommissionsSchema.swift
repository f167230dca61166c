import CommissionsCore
import Platform
import Trading


/// What partners earn and are paid: commission lines, names, batches and daily totals, residues, the posting outbox, payouts, period-end adjustments, revenue share, CPA awards, the instrument catalog.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum CommissionsSchema {
    public static let migrations: [Migration] = [commissionLines, commissionNumbers, payouts, commissionAdjustments, cpaAwards, instruments, instrumentHistory, payoutStatements, brandDaily]

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
        JOIN commission_names r ON r.kind = 'rule' AND r.name = l.rule_id LEFT JOIN \(TradingSchema.dealVolumes) t ON t.feed_seq = l.feed_seq
        GROUP BY (l.deal_time / 86400000000) * 86400000000, p.number, l.level, r.number, l.currency
        """,
        "DROP TABLE commission_lines_v7",
    ] }

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

    /// The CPA decided for each referred client, at most one per client ever.
    static let cpaAwards = Migration(version: 12, name: "client_events") { _ in [
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

    /// The instrument catalog effective-dated, like every other book input: a
    /// symbol's setting (`instrument_settings`; an empty group clears it) and the
    /// broker's table from the trade servers' folders to groups (`instrument_folders`;
    /// an empty group removes the entry) each take effect from a chosen moment.
    /// Settings made before this version take effect from when they were made; the
    /// folder table starts with MT5's usual folders.
    static let instrumentHistory = Migration(version: 16, name: "instrument_history") { _ in
        [
            """
            CREATE TABLE instrument_settings (
                symbol TEXT NOT NULL, effective_from BIGINT NOT NULL, group_name TEXT NOT NULL, profit_currency TEXT NOT NULL,
                updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (symbol, effective_from))
            """,
            """
            INSERT INTO instrument_settings (symbol, effective_from, group_name, profit_currency, updated_by, updated_at)
            SELECT symbol, updated_at, group_name, profit_currency, updated_by, updated_at FROM instruments
            """,
            "DROP TABLE instruments",
            """
            CREATE TABLE instrument_folders (
                folder TEXT NOT NULL, effective_from BIGINT NOT NULL, group_name TEXT NOT NULL,
                updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (folder, effective_from))
            """,
        ] + InstrumentGroups.defaultFolders.map { entry in
            "INSERT INTO instrument_folders (folder, effective_from, group_name, updated_by, updated_at) VALUES ('\(entry.folder)', 0, '\(entry.group)', 'system', 0)"
        }
    }

    /// A payout's statement frozen when the payout is made: the period it covers and
    /// the commissions per day, level and rule the books held then. Late deals and
    /// recalculations after it belong to later payouts, never to this statement.
    static let payoutStatements = Migration(version: 17, name: "payout_statements") { _ in [
        "ALTER TABLE payouts ADD COLUMN statement_from BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE payouts ADD COLUMN statement_to BIGINT NOT NULL DEFAULT 0",
        """
        CREATE TABLE payout_statement_lines (
            payout_id TEXT NOT NULL, day BIGINT NOT NULL, level INTEGER NOT NULL, rule_id TEXT NOT NULL, deals BIGINT NOT NULL, amount BIGINT NOT NULL,
            PRIMARY KEY (payout_id, day, level, rule_id))
        """,
    ] }

    /// Commissions and level-1 lots per UTC day and brand of the trading account: the
    /// back-office home of one brand charts 30 rows. The writers keep it in the batch's
    /// transaction from this version on; days before it count under no brand.
    static let brandDaily = Migration(version: 25, name: "commission_brand_daily") { d in [
        """
        CREATE TABLE commission_brand_daily (
            day BIGINT NOT NULL, brand_id TEXT NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL, lots BIGINT NOT NULL,
            PRIMARY KEY (day, brand_id, currency))\(d.withoutRowID)
        """,
    ] }
}
