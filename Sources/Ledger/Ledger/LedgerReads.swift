import Platform
import SQLKit

/// The ledger's published reads for other slices, inside their own read.
public enum LedgerReads {
    /// The first deposit a payment provider confirmed into `owner`'s wallet: when, how
    /// much (minor units) and in which currency; nil before any.
    public static func firstWalletDeposit(owner: String, on sql: any SQLDatabase) async throws -> (at: Int64, amount: Int64, currency: String)? {
        guard let row = try await sql.raw("""
            SELECT t.occurred_at AS at, p.amount AS amount, a.currency AS currency FROM ledger_accounts a
            JOIN ledger_postings p ON p.account_id = a.id JOIN ledger_transactions t ON t.seq = p.tx_seq
            WHERE a.kind = 'client_wallet' AND a.owner = \(bind: owner) AND t.kind = 'deposit' AND p.amount > 0
            ORDER BY t.occurred_at LIMIT 1
            """).first() else { return nil }
        return (try row.decode(column: "at", as: Int64.self), try row.decode(column: "amount", as: Int64.self), try row.decode(column: "currency", as: String.self))
    }
}
