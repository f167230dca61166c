import BrokerCore
import Foundation
import LedgerCore
import Money
import Platform
import Ledger

/// The commission-posting outbox: what committed commission batches and period-end
/// adjustments owe each partner, posted to the ledger under each entry's key, so a
/// posting made before a crash is not made again.
public struct CommissionPostings: Sendable {
    let db: Database
    let ledger: LedgerStore
    let currency: Currency
    let clock: any PipstackClock

    public init(db: Database, ledger: LedgerStore, currency: Currency = .usd, clock: any PipstackClock) {
        self.db = db
        self.ledger = ledger
        self.currency = currency
        self.clock = clock
    }

    typealias PostingLine = CommissionPayable

    public func postPending() async throws {
        let pending = try await db.read { sql in
            try await sql.raw("SELECT batch_key, document, created_at FROM commission_postings WHERE status = 'pending' ORDER BY created_at, batch_key").all()
                .map { (try $0.decode(column: "batch_key", as: String.self), try $0.decode(column: "document", as: String.self),
                        try $0.decode(column: "created_at", as: Int64.self)) }
        }
        for (key, document, created) in pending {
            let lines = try JSONDecoder().decode([PostingLine].self, from: Data(document.utf8))
            let expense = LedgerAccount(kind: .brokerRevenue, owner: "ib_commissions", currency: currency)
            // At most 1,023 partners per ledger transaction: larger batches post in parts.
            for (part, chunk) in stride(from: 0, to: lines.count, by: 1_000).map({ lines[$0..<min(lines.count, $0 + 1_000)] }).enumerated() {
                var postings = chunk.map { Posting(account: LedgerAccount(kind: .ibCommissionPayable, owner: $0.partner, currency: currency), amount: $0.minor) }
                // Reversals can move payables between partners with nothing left for the expense.
                let total = chunk.reduce(0) { $0 + $1.minor }
                if total != 0 { postings.append(Posting(account: expense, amount: -total)) }
                guard !postings.isEmpty else { continue }
                _ = try await ledger.post(LedgerTransaction(idempotencyKey: "\(key):\(part)", kind: "ib_commission", memo: "commissions \(key)",
                                                            occurredAt: created, postings: postings))
            }
            let now = clock.nowMicros()
            try await db.transaction { sql in
                try await sql.raw("UPDATE commission_postings SET status = 'posted', posted_at = \(bind: now) WHERE batch_key = \(bind: key)").run()
            }
        }
    }
}

extension CommissionPostings {
    /// How many committed batches still wait for their ledger posting.
    public static func pendingCount(on db: Database) async throws -> Int {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM commission_postings WHERE status = 'pending'").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
