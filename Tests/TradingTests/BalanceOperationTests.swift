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

/// The balance-operation outbox against the simulator: money moves once on the
/// server and once in the ledger, whatever is retried or interrupted.
@Suite struct BalanceOperationTests {
    static func usd(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .usd) }

    func request(_ h: TradingHarness, _ record: TradingAccountRecord, _ id: String, _ kind: BalanceOperation.Kind, _ amount: Money) async throws -> BalanceOperationRecord {
        try await h.trading.operations.request(BalanceOperationRequest(id: id, serverID: record.serverID, login: record.login, kind: kind, amount: amount,
                                                                       walletOwner: h.trader.id.rawValue), for: record, audit: AuditContext(actor: "user:ana"))
    }

    @Test(arguments: TestDatabases.kinds)
    func depositAndWithdrawalMoveMoneyOnceOnBothSides(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system).record
        _ = try await request(h, account, "dep-1", .deposit, Self.usd(150_000))
        // Asking again with the same id is the same request; with other content it is refused.
        _ = try await request(h, account, "dep-1", .deposit, Self.usd(150_000))
        await #expect(throws: BalanceOperationError.idempotencyConflict("dep-1")) {
            _ = try await request(h, account, "dep-1", .deposit, Self.usd(1))
        }
        try await h.dispatchAll()
        #expect(try await h.trading.operations.operation("dep-1")?.status == .done)
        #expect(try await h.mt5.client.account(account.login).balance == MT5Harness.usd("1500"))
        #expect(try await h.ledger.balance(of: h.mirror(account)) == 150_000)
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding - 150_000)

        _ = try await request(h, account, "wd-1", .withdrawal, Self.usd(50_000))
        try await h.dispatchAll()
        #expect(try await h.mt5.client.account(account.login).balance == MT5Harness.usd("1000"))
        #expect(try await h.ledger.balance(of: h.mirror(account)) == 100_000)
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding - 100_000)
        // One deal per operation on the server, carrying its id.
        let comments = h.mt5.server.deals(login: account.login).map(\.comment)
        #expect(comments.filter { $0 == "ps:dep-1" }.count == 1 && comments.filter { $0 == "ps:wd-1" }.count == 1)
        #expect(try await h.ledger.verify().isSound)
    }

    @Test(arguments: TestDatabases.kinds)
    func refusalsLeaveNoMoneyMoved(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system).record
        // More than the wallet holds: reserved, found short, given back; the server never hears of it.
        _ = try await request(h, account, "too-much", .deposit, Self.usd(TradingHarness.walletFunding + 1))
        // More than the trading account holds: the server refuses (no money).
        _ = try await request(h, account, "overdraw", .withdrawal, Self.usd(100))
        try await h.dispatchAll()
        let tooMuch = try #require(try await h.trading.operations.operation("too-much"))
        #expect(tooMuch.status == .failed && tooMuch.lastError.contains("wallet holds less"))
        let overdraw = try #require(try await h.trading.operations.operation("overdraw"))
        #expect(overdraw.status == .failed && overdraw.lastError.contains("not enough money"))
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding)
        #expect(try await h.ledger.balance(of: h.mirror(account)) == 0)
        #expect(h.mt5.server.deals(login: account.login).isEmpty)
        #expect(try await h.ledger.verify().isSound)
        // Refused at the edge, before anything is stored.
        await #expect(throws: BalanceOperationError.invalid(field: "amount", "the account is held in USD, not EUR")) {
            _ = try await request(h, account, "eur", .deposit, Money(minorUnits: 100, currency: .eur))
        }
        await #expect(throws: BalanceOperationError.self) { _ = try await request(h, account, "bad id!", .deposit, Self.usd(100)) }
        await #expect(throws: BalanceOperationError.self) { _ = try await request(h, account, "zero", .deposit, Self.usd(0)) }
    }

    @Test(arguments: TestDatabases.kinds)
    func anOperationInterruptedAfterSendingIsFoundNotRepeated(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system).record
        _ = try await request(h, account, "crash-1", .deposit, Self.usd(20_000))
        // A dispatcher reserved the money, marked it sending and the server did it; then the process died.
        let operation = try #require(try await h.trading.operations.claim(limit: 1, leaseSeconds: 0).first)
        let reservation = TradingPostingRules.transaction(key: "bop:crash-1", operationID: "crash-1", kind: .deposit, mirror: h.mirror(account),
                                                          counterpart: h.wallet, amount: 20_000, counterAmount: 20_000, at: operation.createdAt)
        _ = try await h.ledger.post(reservation)
        _ = try await h.trading.operations.markSending("crash-1", leaseSeconds: 0)
        _ = try await h.mt5.client.balanceOperation(BalanceOperation(operationID: "crash-1", login: account.login, kind: .deposit,
                                                                     amount: MT5Harness.usd("200")))
        // The lease ran out (0 s); the next claim finishes it without a second deal or posting.
        try await h.dispatchAll()
        let done = try #require(try await h.trading.operations.operation("crash-1"))
        #expect(done.status == .done && done.dealTicket != 0)
        #expect(h.mt5.server.deals(login: account.login).filter { $0.comment == "ps:crash-1" }.count == 1)
        #expect(try await h.mt5.client.account(account.login).balance == MT5Harness.usd("200"))
        #expect(try await h.ledger.balance(of: h.mirror(account)) == 20_000)
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding - 20_000)
    }

    /// Another part of Pipstack (a partner payout) moves wallet money into the user's
    /// own account: once per reference, into no one else's account, in its currency.
    @Test func walletTransfersHappenOncePerReference() async throws {
        let h = try await TradingHarness.start("sqlite")
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system).record
        let cent = try await h.trading.provisioning.open(for: h.trader, typeID: "cent", leverage: 100, audit: .system).record
        let owner = h.trader.id.rawValue
        let first = try await h.trading.depositFromWallet(reference: "payout:po-1", serverID: account.serverID, login: account.login,
                                                          amount: Self.usd(12_345), walletOwner: owner, comment: "IB payout", audit: .system)
        let again = try await h.trading.depositFromWallet(reference: "payout:po-1", serverID: account.serverID, login: account.login,
                                                          amount: Self.usd(12_345), walletOwner: owner, comment: "IB payout", audit: .system)
        #expect(first.id == again.id && first.id.count <= BalanceOperation.maxOperationIDLength)
        await #expect(throws: TradingServices.WalletTransferError.notTheOwners("\(account.serverID):\(account.login)")) {
            try await h.trading.depositFromWallet(reference: "payout:po-2", serverID: account.serverID, login: account.login,
                                                  amount: Self.usd(1), walletOwner: "someone-else", comment: "", audit: .system)
        }
        await #expect(throws: TradingServices.WalletTransferError.noAccount("\(account.serverID):999")) {
            try await h.trading.depositFromWallet(reference: "payout:po-3", serverID: account.serverID, login: TradingLogin(999),
                                                  amount: Self.usd(1), walletOwner: owner, comment: "", audit: .system)
        }
        // Dollars into a cent account arrive as a hundred times as many cents.
        let toCent = try await h.trading.depositFromWallet(reference: "payout:po-4", serverID: cent.serverID, login: cent.login,
                                                           amount: Self.usd(100), walletOwner: owner, comment: "", audit: .system)
        #expect(toCent.amount == 10_000 && toCent.currency == "USC" && toCent.walletAmount == 100)
        try await h.dispatchAll()
        #expect(try await h.trading.operations.operation(first.id)?.status == .done)
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding - 12_345 - 100)
    }

    @Test(arguments: TestDatabases.kinds)
    func centAccountsAreFundedFromTheDollarWalletThroughAConversion(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "cent", leverage: 100, audit: .system).record
        // 5,000.00 USC is 50.00 USD.
        let operation = try await request(h, account, "cent-1", .deposit, Money(minorUnits: 500_000, currency: .usc))
        #expect(operation.walletAmount == 5_000 && operation.walletCurrency == "USD")
        await #expect(throws: BalanceOperationError.self) {
            _ = try await request(h, account, "cent-2", .deposit, Money(minorUnits: 150, currency: .usc))
        }
        try await h.dispatchAll()
        #expect(try await h.mt5.client.account(account.login).balance == MT5Harness.usd("5000"))
        #expect(try await h.ledger.balance(of: h.mirror(account)) == 500_000)
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding - 5_000)
        let integrity = try await h.ledger.verify()
        #expect(integrity.isSound)
    }

    @Test(arguments: TestDatabases.kinds)
    func staffKindsPostAgainstTheBrokersAccounts(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let account = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system).record
        _ = try await request(h, account, "bonus-1", .bonus, Self.usd(10_000))
        _ = try await request(h, account, "charge-1", .charge, Self.usd(1_500))
        _ = try await request(h, account, "fix-1", .correction, Self.usd(-500))
        _ = try await request(h, account, "credit-1", .creditIn, Self.usd(30_000))
        try await h.dispatchAll()
        for id in ["bonus-1", "charge-1", "fix-1", "credit-1"] { #expect(try await h.trading.operations.operation(id)?.status == .done) }
        let state = try await h.mt5.client.account(account.login)
        #expect(state.balance == MT5Harness.usd("80") && state.credit == MT5Harness.usd("300"))
        // Credit is the broker's loan on the server, not client money: the mirror follows the balance only.
        #expect(try await h.ledger.balance(of: h.mirror(account)) == 8_000)
        #expect(try await h.ledger.balance(of: LedgerAccount(kind: .brokerRevenue, owner: "account_charges", currency: .usd)) == 1_500)
        #expect(try await h.ledger.verify().isSound)
    }
}
