import BrokerCore
import LedgerCore
import Logging
import Money
import ServiceLifecycle
import Ledger
import Platform

/// Sends stored balance operations to their trade servers, exactly once each,
/// and posts their ledger side.
///
/// A deposit takes the money from the client's wallet before the server is asked
/// (and gives it back if the server refuses); every other kind is posted once the
/// server has done it. Each step is idempotent by the operation's id: the ledger
/// by its idempotency key `bop:<id>`, the server by the id in the deal comment,
/// which a retry looks for before sending again. So a crash anywhere, followed by
/// a new claim, finishes the operation without doing any part of it twice.
public struct BalanceOperationDispatcher: Service {
    public let store: BalanceOperationStore
    let ledger: LedgerStore
    let platforms: PlatformDirectory
    let clock: any PipstackClock
    let logger: Logger
    let leaseSeconds: Int64
    let idleDelay: Duration
    /// Where the dispatcher reports that it stopped; set by the process that runs it.
    public var health: PipelineHealth?

    public init(store: BalanceOperationStore, ledger: LedgerStore, platforms: PlatformDirectory, clock: any PipstackClock, logger: Logger,
                leaseSeconds: Int64 = 30, idleDelay: Duration = .milliseconds(200)) {
        self.store = store
        self.ledger = ledger
        self.platforms = platforms
        self.clock = clock
        self.logger = logger
        self.leaseSeconds = leaseSeconds
        self.idleDelay = idleDelay
    }

    public func run() async throws {
        await ServiceLoop(name: "balance operation dispatch", every: idleDelay, health: health, logger: logger).run {
            try await runOnce() == 0 ? .idle : .busy
        }
    }

    /// Claims and processes one round of operations; returns how many it claimed.
    @discardableResult
    public func runOnce(limit: Int = 10) async throws -> Int {
        let claimed = try await store.claim(limit: limit, leaseSeconds: leaseSeconds)
        for operation in claimed { try await process(operation) }
        return claimed.count
    }

    /// Money the client gives up leaves Pipstack's books before the server is asked.
    static func reservesFirst(_ kind: BalanceOperation.Kind) -> Bool { kind == .deposit }

    func process(_ operation: BalanceOperationRecord) async throws {
        guard let currency = Currency(code: operation.currency), let walletCurrency = Currency(code: operation.walletCurrency) else {
            try await store.finish(operation.id, status: .failed, error: "unknown currency \(operation.currency)")
            return
        }
        let transaction = ledgerTransaction(of: operation, currency: currency, walletCurrency: walletCurrency)
        if Self.reservesFirst(operation.kind), let transaction {
            // A reversal already posted means an earlier attempt was refused and stopped short of recording that.
            if try await ledger.isPosted(Self.reversalKey(of: transaction)) {
                try await store.finish(operation.id, status: .failed, error: operation.lastError.isEmpty ? "refused" : operation.lastError)
                return
            }
            if operation.status == .pending {
                _ = try await ledger.post(transaction)
                let wallet = TradingPostingRules.counterpart(of: operation.kind, walletOwner: operation.walletOwner, currency: walletCurrency)
                if let wallet, try await ledger.balance(of: wallet) < 0 {
                    try await reverse(transaction, of: operation)
                    try await store.finish(operation.id, status: .failed,
                                           error: "the wallet holds less than \(Money(minorUnits: operation.walletAmount, currency: walletCurrency))")
                    return
                }
            }
        }
        let firstSentAt = try await store.markSending(operation.id, leaseSeconds: leaseSeconds)
        do {
            let platform = try await platforms.platform(for: operation.serverID)
            let amount = try PlatformAmount(Money(minorUnits: operation.amount, currency: currency))
            let result = try await platform.balanceOperation(BalanceOperation(
                operationID: operation.id, login: operation.login, kind: operation.kind, amount: amount, checkMargin: true,
                possiblySentSince: operation.status == .sending ? firstSentAt : nil))
            if !Self.reservesFirst(operation.kind), let transaction { _ = try await ledger.post(transaction) }
            try await store.finish(operation.id, status: .done, dealTicket: result.dealTicket)
            logger.info("balance operation done", metadata: ["operation": "\(operation.id)", "deal": "\(result.dealTicket)", "again": "\(result.alreadyDone)"])
        } catch let error as TradingPlatformError where Self.isRefusal(error) {
            if Self.reservesFirst(operation.kind), let transaction { try await reverse(transaction, of: operation) }
            try await store.finish(operation.id, status: .failed, error: error.description)
            logger.notice("balance operation refused", metadata: ["operation": "\(operation.id)", "error": "\(error)"])
        } catch {
            // Outcome unknown or server unreachable: try again later; the retry looks for the deal first.
            let delay = min(300, Int64(1) << min(operation.attempts, 8))
            try await store.release(operation.id, retryInSeconds: delay, error: "\(error)")
            logger.warning("balance operation will be retried", metadata: ["operation": "\(operation.id)", "error": "\(error)", "in": "\(delay)s"])
        }
    }

    /// Errors that mean the server answered and did not do the operation.
    static func isRefusal(_ error: TradingPlatformError) -> Bool {
        switch error {
        case .invalidParameters, .notFound, .noMoney, .moneyLimit, .noPermission, .invalidRequest, .accountExists, .weakPassword, .server: true
        case .unavailable, .malformedAnswer, .authenticationFailed, .tooManyRecords, .answerTooLarge: false
        }
    }

    func ledgerTransaction(of operation: BalanceOperationRecord, currency: Currency, walletCurrency: Currency) -> LedgerTransaction? {
        guard let counterpart = TradingPostingRules.counterpart(of: operation.kind, walletOwner: operation.walletOwner, currency: walletCurrency) else {
            return nil
        }
        let mirror = TradingPostingRules.mirror(serverID: operation.serverID, login: operation.login, currency: currency)
        return TradingPostingRules.transaction(key: "bop:\(operation.id)", operationID: operation.id, kind: operation.kind, mirror: mirror,
                                               counterpart: counterpart, amount: operation.amount, counterAmount: operation.walletAmount,
                                               at: operation.createdAt)
    }

    static func reversalKey(of transaction: LedgerTransaction) -> String { transaction.idempotencyKey + ":reversal" }

    func reverse(_ transaction: LedgerTransaction, of operation: BalanceOperationRecord) async throws {
        let reversal = LedgerTransaction(idempotencyKey: Self.reversalKey(of: transaction), kind: transaction.kind + "_reversal",
                                         memo: "reversal of \(transaction.memo)", occurredAt: clock.nowMicros(),
                                         postings: transaction.postings.map { Posting(account: $0.account, amount: -$0.amount) })
        _ = try await ledger.post(reversal)
    }
}
