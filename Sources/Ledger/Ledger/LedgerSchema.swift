import Platform


/// The ledger's tables: accounts, transactions, postings (chained per account), balances, exchange rates.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum LedgerSchema {
    public static let migrations: [Migration] = [foundation, exchangeRates, postingChains]

    static let foundation = Migration(version: 1, name: "foundation") { d in [
        // The ledger: balanced transactions over accounts. Amounts are BIGINT minor units of the
        // account's currency (integers; no floating point anywhere in the money path).
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
}
