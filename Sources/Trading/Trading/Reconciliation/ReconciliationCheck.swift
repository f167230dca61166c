import BrokerCore
import Money
import Platform

/// One difference between Pipstack's books and a trade server, found for one account.
public struct ReconciliationDifference: Sendable, Equatable, Codable {
    /// What disagreed.
    public enum Check: String, Sendable, Codable, CaseIterable {
        /// Pipstack did an operation whose deal the server does not have.
        case missingOnServer = "missing_on_server"
        /// The server's deal for an operation moved a different amount.
        case amountMismatch = "amount_mismatch"
        /// Pipstack recorded a refusal, yet the server has the operation's deal.
        case failedButOnServer = "failed_but_on_server"
        /// A balance operation on the server that Pipstack did not make (e.g. in the MT5 Manager).
        case unknownOnServer = "unknown_on_server"
        /// The ledger's mirror of the account differs from the sum of its balance operations on the server.
        case ledgerTotal = "ledger_total"
        /// The server's balance differs from the sum of the deals it reports.
        case serverHistory = "server_history"
        /// The server reports a deal the deal sync has not stored.
        case syncMissing = "sync_missing"

        public var explanation: String {
            switch self {
            case .missingOnServer: "Pipstack did this operation, but the server has no deal for it"
            case .amountMismatch: "the server's deal moved a different amount than Pipstack's operation"
            case .failedButOnServer: "Pipstack recorded this operation as refused, yet the server has its deal"
            case .unknownOnServer: "a balance operation on the server that Pipstack did not make"
            case .ledgerTotal: "the ledger's mirror of the account differs from its balance operations on the server"
            case .serverHistory: "the server's balance differs from the sum of the deals it reports"
            case .syncMissing: "a deal on the server that the deal sync has not stored"
            }
        }
    }

    public var check: Check
    /// What the difference is about: an operation id, a deal ticket, or "total".
    public var reference: String
    public var currency: String
    /// Minor units of `currency`.
    public var pipstackAmount: Int64
    public var serverAmount: Int64
    public var detail: String

    public init(check: Check, reference: String, currency: String, pipstackAmount: Int64, serverAmount: Int64, detail: String) {
        self.check = check
        self.reference = reference
        self.currency = currency
        self.pipstackAmount = pipstackAmount
        self.serverAmount = serverAmount
        self.detail = detail
    }
}

/// Pipstack's side of one account: its finished operations and its ledger mirror.
public struct PipstackAccountView: Sendable {
    public struct Operation: Sendable {
        public var id: String
        public var kind: BalanceOperation.Kind
        /// Signed effect on the balance, minor units.
        public var signedAmount: Int64
        public var done: Bool
        public var dealTicket: UInt64

        public init(id: String, kind: BalanceOperation.Kind, signedAmount: Int64, done: Bool, dealTicket: UInt64) {
            self.id = id
            self.kind = kind
            self.signedAmount = signedAmount
            self.done = done
            self.dealTicket = dealTicket
        }
    }

    public var currency: Currency
    /// Finished operations (done or failed); pending ones are left out.
    public var operations: [Operation]
    public var ledgerBalance: Int64
    /// Tickets of the account's deals the sync has stored.
    public var syncedTickets: Set<UInt64>
    /// Deals up to this time (µs) should have been synced.
    public var syncedUpTo: Int64

    public init(currency: Currency, operations: [Operation], ledgerBalance: Int64, syncedTickets: Set<UInt64>, syncedUpTo: Int64) {
        self.currency = currency
        self.operations = operations
        self.ledgerBalance = ledgerBalance
        self.syncedTickets = syncedTickets
        self.syncedUpTo = syncedUpTo
    }
}

/// The server's side of one account, read live.
public struct ServerAccountView: Sendable {
    public var balance: PlatformAmount
    public var deals: [TradeDeal]

    public init(balance: PlatformAmount, deals: [TradeDeal]) {
        self.balance = balance
        self.deals = deals
    }
}

/// Compares the two sides of one account. Pure: the same views give the same differences.
public enum ReconciliationCheck {
    /// Deal actions that move the balance by a money operation (not trading, not credit).
    static let balanceActions: Set<DealAction> = [.balance, .charge, .correction, .bonus]

    public static func differences(pipstack: PipstackAccountView, server: ServerAccountView) -> [ReconciliationDifference] {
        let currency = pipstack.currency
        var found: [ReconciliationDifference] = []
        func minor(_ amount: PlatformAmount, _ what: String) -> Int64 {
            if let money = amount.money(in: currency) { return money.minorUnits }
            found.append(.init(check: .serverHistory, reference: what, currency: currency.code, pipstackAmount: 0, serverAmount: 0,
                               detail: "\(amount) has more decimals than \(currency.code) allows"))
            return 0
        }
        let dealsByTicket = Dictionary(server.deals.map { ($0.ticket, $0) }, uniquingKeysWith: { first, _ in first })
        let dealsByComment = Dictionary(server.deals.filter { $0.comment.hasPrefix("ps:") }.map { ($0.comment, $0) }, uniquingKeysWith: { first, _ in first })
        var claimed: Set<UInt64> = []
        for operation in pipstack.operations where operation.kind != .creditIn && operation.kind != .creditOut {
            let deal = dealsByTicket[operation.dealTicket].flatMap { $0.comment == "ps:\(operation.id)" ? $0 : nil } ?? dealsByComment["ps:\(operation.id)"]
            if let deal { claimed.insert(deal.ticket) }
            switch (operation.done, deal) {
            case (true, nil):
                found.append(.init(check: .missingOnServer, reference: operation.id, currency: currency.code,
                                   pipstackAmount: operation.signedAmount, serverAmount: 0, detail: "deal \(operation.dealTicket) not found"))
            case let (true, deal?):
                let amount = minor(deal.profit, "deal \(deal.ticket)")
                if amount != operation.signedAmount {
                    found.append(.init(check: .amountMismatch, reference: operation.id, currency: currency.code,
                                       pipstackAmount: operation.signedAmount, serverAmount: amount, detail: "deal \(deal.ticket)"))
                }
            case let (false, deal?):
                found.append(.init(check: .failedButOnServer, reference: operation.id, currency: currency.code, pipstackAmount: 0,
                                   serverAmount: minor(deal.profit, "deal \(deal.ticket)"), detail: "deal \(deal.ticket)"))
            case (false, nil):
                break
            }
        }
        var serverOperationsTotal: Int64 = 0
        for deal in server.deals where balanceActions.contains(deal.action) {
            let amount = minor(deal.profit, "deal \(deal.ticket)")
            serverOperationsTotal &+= amount
            if !claimed.contains(deal.ticket) {
                found.append(.init(check: .unknownOnServer, reference: "deal \(deal.ticket)", currency: currency.code, pipstackAmount: 0,
                                   serverAmount: amount, detail: "\(deal.action) \(deal.comment.isEmpty ? "(no comment)" : "comment \(deal.comment)")"))
            }
        }
        if pipstack.ledgerBalance != serverOperationsTotal {
            found.append(.init(check: .ledgerTotal, reference: "total", currency: currency.code, pipstackAmount: pipstack.ledgerBalance,
                               serverAmount: serverOperationsTotal, detail: "ledger mirror against the server's balance operations"))
        }
        var history: Int64 = 0
        for deal in server.deals where deal.action != .credit {
            for part in [deal.profit, deal.commission, deal.swap, deal.fee] { history &+= part.units }
        }
        if history != server.balance.units {
            found.append(.init(check: .serverHistory, reference: "balance", currency: currency.code,
                               pipstackAmount: PlatformAmount(units: history).money(in: currency)?.minorUnits ?? 0,
                               serverAmount: server.balance.money(in: currency)?.minorUnits ?? 0,
                               detail: "balance \(server.balance), deals sum to \(PlatformAmount(units: history))"))
        }
        for deal in server.deals where deal.time <= pipstack.syncedUpTo && !pipstack.syncedTickets.contains(deal.ticket) {
            found.append(.init(check: .syncMissing, reference: "deal \(deal.ticket)", currency: currency.code, pipstackAmount: 0,
                               serverAmount: 0, detail: "\(deal.action) \(deal.symbol) at \(deal.time)"))
        }
        return found
    }
}
