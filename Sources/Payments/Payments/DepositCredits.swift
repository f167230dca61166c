import BrokerCore
import Clients
import Ledger
import Logging
import LedgerCore
import Platform
import SQLKit

/// Puts approved deposits into the client's wallet: PSP clearing → wallet on the
/// ledger, and the deposit event CPA reads, each under a key of the deposit, then the
/// deposit is marked credited. A crash between the steps repeats them on the next
/// pass, and the keys make the repeat change nothing.
public struct DepositCredits: Sendable {
    let db: Database
    let ledger: LedgerStore
    let clientEvents: ClientEventStore
    let clock: any PipstackClock
    let logger: Logger

    public init(db: Database, ledger: LedgerStore, clientEvents: ClientEventStore, clock: any PipstackClock,
                logger: Logger = Logger(label: "pipstack.payments")) {
        self.logger = logger
        self.db = db
        self.ledger = ledger
        self.clientEvents = clientEvents
        self.clock = clock
    }

    /// Credits every approved deposit not yet in its wallet (or only `only`); returns how many.
    @discardableResult
    public func creditApproved(only: DepositID? = nil) async throws -> Int {
        let pending = try await db.read { sql in
            let one: SQLQueryString = only.map { "AND id = \(bind: $0.rawValue)" } ?? ""
            return try await sql.raw("SELECT * FROM payment_deposits WHERE state = 'approved' AND credited = 0 \(one) ORDER BY updated_at LIMIT 500").all()
                .map(DepositStore.decode)
        }
        for deposit in pending {
            let posted = try await ledger.post(PostingRules.deposit(key: "deposit:\(deposit.id.rawValue)", client: deposit.userID.rawValue,
                                                                    provider: deposit.provider.rawValue, amount: deposit.amount, at: clock.nowMicros()))
            guard posted != .keyConflict else {
                throw StorageError.brokenInvariant("deposit \(deposit.id) was posted before with other content")
            }
            do {
                _ = try await clientEvents.record(ClientEventRecord(source: "psp.\(deposit.provider.rawValue)", externalID: deposit.id.rawValue,
                                                                    userID: deposit.userID, kind: .deposit, amount: deposit.amount.minorUnits,
                                                                    currency: deposit.amount.currency.code, occurredAt: deposit.updatedAt), audit: .system)
            } catch let refusal as ClientEventError {
                // The money is in the wallet; only the event partner rules read was refused (the
                // user is no client). Said loudly, once, instead of holding up every deposit after it.
                logger.error("a credited deposit's client event was refused", metadata: ["deposit": "\(deposit.id)", "reason": "\(refusal)"])
            }
            try await db.transaction { sql in
                try await sql.raw("UPDATE payment_deposits SET credited = 1 WHERE id = \(bind: deposit.id.rawValue) AND credited = 0").run()
            }
        }
        return pending.count
    }
}
