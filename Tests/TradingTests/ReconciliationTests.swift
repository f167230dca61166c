import BrokerCore
import Identity
import LedgerCore
import MT5Simulator
import Money
import SQLKit
import Platform
import TestSupport
import Testing
import Trading

/// Reconciliation: the pure comparison with hand-made views, and runs against the
/// simulator with differences planted on the server and in the books.
@Suite struct ReconciliationTests {
    static func deal(_ ticket: UInt64, _ action: DealAction, _ amount: String, comment: String = "", commission: String = "0") -> TradeDeal {
        TradeDeal(ticket: ticket, login: TradingLogin(5), action: action, entry: .entryIn, reason: 0, time: 1_000_000,
                  profit: MT5Harness.usd(amount), commission: MT5Harness.usd(commission), comment: comment)
    }

    @Test func theComparisonNamesEachKindOfDifference() {
        typealias Operation = PipstackAccountView.Operation
        let pipstack = PipstackAccountView(currency: .usd, operations: [
            Operation(id: "ok", kind: .deposit, signedAmount: 10_000, done: true, dealTicket: 1),
            Operation(id: "short", kind: .deposit, signedAmount: 5_000, done: true, dealTicket: 2),
            Operation(id: "lost", kind: .withdrawal, signedAmount: -1_000, done: true, dealTicket: 99),
            Operation(id: "refused", kind: .deposit, signedAmount: 700, done: false, dealTicket: 0),
            Operation(id: "credit", kind: .creditIn, signedAmount: 50_000, done: true, dealTicket: 6),
        ], ledgerBalance: 14_000, syncedTickets: [1, 2, 3, 4], syncedUpTo: 2_000_000)
        let server = ServerAccountView(balance: MT5Harness.usd("163"), deals: [
            Self.deal(1, .balance, "100", comment: "ps:ok"),
            Self.deal(2, .balance, "40", comment: "ps:short"),
            Self.deal(3, .balance, "7", comment: "ps:refused"),
            Self.deal(4, .buy, "20", commission: "-4"),
            Self.deal(5, .balance, "0.50", comment: "dealer fix"),
            Self.deal(6, .credit, "500", comment: "ps:credit"),
        ])
        let found = ReconciliationCheck.differences(pipstack: pipstack, server: server)
        let summary = found.map { "\($0.check.rawValue) \($0.reference) \($0.pipstackAmount) \($0.serverAmount)" }
        #expect(summary == [
            "amount_mismatch short 5000 4000",
            "missing_on_server lost -1000 0",
            "failed_but_on_server refused 0 700",
            "unknown_on_server deal 5 0 50",
            "ledger_total total 14000 14750",
            "server_history balance 16350 16300",
            "sync_missing deal 5 0 0",
            "sync_missing deal 6 0 0",
        ])
    }

    @Test func agreeingSidesHaveNoDifferences() {
        let pipstack = PipstackAccountView(currency: .usd, operations: [
            .init(id: "a", kind: .deposit, signedAmount: 10_000, done: true, dealTicket: 1),
        ], ledgerBalance: 10_000, syncedTickets: [1, 2], syncedUpTo: 2_000_000)
        let server = ServerAccountView(balance: MT5Harness.usd("116"), deals: [Self.deal(1, .balance, "100", comment: "ps:a"), Self.deal(2, .sell, "16")])
        #expect(ReconciliationCheck.differences(pipstack: pipstack, server: server).isEmpty)
    }

    @Test(arguments: TestDatabases.kinds)
    func aRunFindsWhatWasDoneBehindPipstacksBackAndStaffResolveIt(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system).record
        _ = try await h.trading.operations.request(BalanceOperationRequest(id: "dep-1", serverID: "mt5_live", login: account.login, kind: .deposit,
                                                                           amount: Money(minorUnits: 100_000, currency: .usd), walletOwner: h.trader.id.rawValue),
                                                   for: account, audit: .system)
        try await h.dispatchAll()
        // The simulated traders trade on it; the sync stores the deals.
        h.mt5.server.trade(deals: 30)
        let sync = DealSync(serverID: "mt5_live", platform: h.mt5.client, sweepPlatform: h.mt5.client, store: h.trading.deals,
                            settings: .init(groupMask: "real\\*"), logger: TestDatabases.logger)
        _ = try await sync.syncOnce()
        let clean = try await h.trading.reconciler.run()
        #expect(clean.accounts == 1 && clean.differences == 0 && clean.error.isEmpty)

        // A dealer deposits 25.00 in the MT5 Manager, outside Pipstack.
        _ = try await h.mt5.client.balanceOperation(BalanceOperation(operationID: "manual", login: account.login, kind: .deposit, amount: MT5Harness.usd("25")))
        let run = try await h.trading.reconciler.run()
        let items = try await h.trading.reconciler.items(runID: run.id)
        #expect(items.map(\.difference.check) == [.unknownOnServer, .ledgerTotal])
        #expect(items.first?.difference.serverAmount == 2_500)
        #expect(items.last?.difference.pipstackAmount == 100_000 && items.last?.difference.serverAmount == 102_500)

        // Resolving needs a reason, is audited, and holds in the next run while nothing changes.
        await #expect(throws: BalanceOperationError.self) {
            try await h.trading.reconciler.resolve(itemID: items[0].id, resolution: "", audit: .system)
        }
        for item in items {
            try await h.trading.reconciler.resolve(itemID: item.id, resolution: "Goodwill deposit by the dealing desk, ticket D-17",
                                                   audit: AuditContext(actor: "user:finance"))
        }
        await #expect(throws: StorageError.self) {
            try await h.trading.reconciler.resolve(itemID: items[0].id, resolution: "again", audit: .system)
        }
        #expect(try await h.audit("reconciliation.resolve").count == 2)
        let next = try await h.trading.reconciler.run()
        let carried = try await h.trading.reconciler.items(runID: next.id)
        #expect(carried.count == 2 && carried.allSatisfy { $0.status == .resolved && $0.resolvedBy == "user:finance" })
        #expect(try await h.trading.reconciler.items(runID: next.id, openOnly: true).isEmpty)
    }

    @Test(arguments: TestDatabases.kinds)
    func anUnreachableServerIsReportedNotFatal(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        _ = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system)
        await h.trading.platforms.disconnectAll()
        await h.mt5.server.stop()
        let run = try await h.trading.reconciler.run()
        #expect(run.accounts == 1 && run.differences == 0 && run.error.contains("mt5_live:7000000"))
    }
}
