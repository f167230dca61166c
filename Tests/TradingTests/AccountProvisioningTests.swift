import BrokerCore
import Identity
import MT5Simulator
import Money
import SQLKit
import Platform
import TestSupport
import Testing
import Trading

/// Opening accounts on the simulator through the real client, staff changes, and
/// the recovery of interrupted creations.
@Suite struct AccountProvisioningTests {
    /// Accounts that already exist on the server (the demo's simulated traders, or a
    /// broker's accounts from before Pipstack) are adopted: listed as the client's,
    /// with the server's group and leverage, once, and never for a second client.
    @Test(arguments: TestDatabases.kinds)
    func existingServerAccountsAreAdoptedOnce(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let logins = try h.mt5.server.createFundedAccounts(2)
        let first = TradingLogin(logins[0])
        let adopted = try await h.trading.provisioning.adopt(serverID: "mt5_live", login: first, userID: h.trader.id.rawValue, audit: .system)
        #expect(adopted.status == .active && adopted.accountTypeID == "standard" && adopted.leverage == 100)
        let again = try await h.trading.provisioning.adopt(serverID: "mt5_live", login: first, userID: h.trader.id.rawValue, audit: .system)
        #expect(again.login == first && again.status == .active && again.requestID == adopted.requestID)
        #expect(try await h.trading.accounts.accounts(ofUser: h.trader.id.rawValue).map(\.login) == [first])
        #expect(try await h.audit("trading_account.opened").count == 1)
        await #expect(throws: ProvisioningError.notYourAccount) {
            try await h.trading.provisioning.adopt(serverID: "mt5_live", login: first, userID: "someone-else", audit: .system)
        }
        // A group no account type sells (the simulator's Islamic group, here) is refused.
        let islamic = try h.mt5.server.createFundedAccounts(1, group: "real\\islamic")
        await #expect(throws: ProvisioningError.unknownAccountType("for group real\\islamic on mt5_live")) {
            try await h.trading.provisioning.adopt(serverID: "mt5_live", login: TradingLogin(islamic[0]), userID: h.trader.id.rawValue, audit: .system)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func openAccountCreatesItOnTheServerAndShowsPasswordsOnce(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let opened = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: AuditContext(actor: "user:ana"))
        #expect(opened.record.status == .active)
        #expect(opened.record.login == TradingLogin(7_000_000))
        #expect(opened.mainPassword != opened.investorPassword && opened.mainPassword.count == 12)
        let onServer = try await h.mt5.client.account(opened.record.login)
        #expect(onServer.group == "real\\standard" && onServer.leverage == 100 && onServer.requestID == opened.record.requestID)
        #expect(onServer.name == "Ana Trader" && onServer.email == "ana@example.test")
        // The passwords work on the server and are nowhere in Pipstack's database.
        let stored = try await h.db.read { sql in try await sql.raw("SELECT * FROM trading_accounts").all() }
        #expect(stored.count == 1)
        let dump = try await h.db.read { sql in
            try await sql.raw("SELECT before_json || after_json AS text FROM audit_events").all().map { try $0.decode(column: "text", as: String.self) }
        }.joined()
        #expect(!dump.contains(opened.mainPassword) && !dump.contains(opened.investorPassword))
        #expect(try await h.audit("trading_account.open_requested").count == 1)
        #expect(try await h.audit("trading_account.opened").count == 1)

        // The next account takes the next login; a leverage the type does not offer is refused before anything is sent.
        let second = try await h.trading.provisioning.open(for: h.trader, typeID: "cent", leverage: 1_000, audit: .system)
        #expect(second.record.login == TradingLogin(7_000_001) && second.record.currency == "USC")
        await #expect(throws: ProvisioningError.leverageNotAllowed(requested: 200, allowed: [1, 30, 100, 500])) {
            _ = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 200, audit: .system)
        }
        #expect(try await h.trading.accounts.accounts(ofUser: h.trader.id.rawValue).count == 2)
    }

    @Test func leveragePolicyCapsTheChoicesAtTheTypesMaximum() throws {
        let type = AccountType(id: "t", serverID: "s", name: "T", kind: .standard, group: "real\\t", currency: .usd, leverageOptions: [1, 30, 500])
        let request = LeverageRequest(clientID: "c", accountType: type, isDemo: false)
        #expect(LeveragePolicy.cap(for: request) == 500)
        #expect(LeveragePolicy.choices(for: request) == [1, 30, 500])
        #expect(try AccountType.parseLeverageOptions("1:500, 30 1") == [1, 30, 500] as [Int])
        #expect(throws: AccountTypeError.invalid(field: "leverage_options", "20000 is not a leverage from 1 to 10000")) {
            try AccountType.parseLeverageOptions("30, 20000")
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aLoginTakenOnTheServerIsSkipped(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        // Someone created 7000000 by hand in the MT5 Manager.
        _ = try await h.mt5.client.createAccount(MT5Harness.newAccount("by-hand", login: 7_000_000))
        let opened = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 30, audit: .system)
        #expect(opened.record.login == TradingLogin(7_000_001))
        let records = try await h.trading.accounts.list()
        #expect(records.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.active, .failed])
        // The hand-made account is untouched.
        #expect(try await h.mt5.client.account(TradingLogin(7_000_000)).requestID == "by-hand")
    }

    @Test(arguments: TestDatabases.kinds)
    func staffChangesApplyOnTheServerAndAreAudited(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let opened = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system)
        let login = opened.record.login
        let changed = try await h.trading.provisioning.change(serverID: "mt5_live", login: login,
                                                             AccountChangeRequest(accountTypeID: "ecn", leverage: 30, tradingEnabled: false),
                                                             audit: AuditContext(actor: "user:dealer", requestID: "req-1", ip: "10.0.0.9"))
        #expect(changed.group == "real\\ecn" && changed.leverage == 30 && !changed.tradingEnabled)
        let onServer = try await h.mt5.client.account(login)
        #expect(onServer.group == "real\\ecn" && onServer.leverage == 30 && !onServer.tradingEnabled)
        let events = try await h.audit("trading_account.change")
        let event = try #require(events.first)
        #expect(event.entry.actor == "user:dealer" && event.entry.ip == "10.0.0.9" && event.entry.entityID == "mt5_live:\(login)")
        #expect(event.entry.before.contains("\"leverage\":100") && event.entry.after.contains("\"leverage\":30"))
        #expect(event.entry.after.contains("\"tradingEnabled\":false"))
        // A leverage above what the new type offers is refused, and nothing changes.
        await #expect(throws: ProvisioningError.leverageNotAllowed(requested: 500, allowed: [1, 30, 100])) {
            _ = try await h.trading.provisioning.change(serverID: "mt5_live", login: login, AccountChangeRequest(leverage: 500), audit: .system)
        }
        #expect(try await h.mt5.client.account(login).leverage == 30)
        // A new trading password works at once and is only returned, never stored.
        let password = try await h.trading.provisioning.resetPassword(serverID: "mt5_live", login: login, audit: .system)
        #expect(password != opened.mainPassword)
        #expect(try await h.audit("trading_account.password_reset").count == 1)
    }

    /// Accounts that already exist on the server, linked in bulk: active at once, an
    /// account already known left as it was, a second import linking nothing.
    @Test(arguments: TestDatabases.kinds)
    func existingAccountsAreImportedInBulkOnce(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let accounts = h.trading.accounts
        let records = (0..<1_100).map { index in
            TradingAccountRecord(serverID: "mt5_live", login: TradingLogin(UInt64(8_000_000 + index)), userID: h.trader.id.rawValue,
                                 accountTypeID: "standard", group: "real\\standard", currency: "USD", leverage: 30, status: .active,
                                 tradingEnabled: true, requestID: "", lastError: "", createdAt: Int64(index), updatedAt: Int64(index))
        }
        try await accounts.insertCreating(records[5], audit: .system)
        #expect(try await accounts.importExisting(records, audit: .system) == 1_099)
        #expect(try await accounts.importExisting(Array(records.prefix(50)), audit: .system) == 0)
        #expect(try await accounts.account(serverID: "mt5_live", login: TradingLogin(8_000_777))?.status == .active)
        #expect(try await accounts.account(serverID: "mt5_live", login: TradingLogin(8_000_005))?.status == .creating, "a known account is left as it was")
        #expect(try await accounts.accounts(ofUser: h.trader.id.rawValue).count >= 1_100)
    }

    @Test(arguments: TestDatabases.kinds)
    func interruptedCreationsAreSettledFromTheServer(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        // Two rows left "creating" by a crash: one reached the server, one did not.
        let accounts = h.trading.accounts
        for (login, request) in [(UInt64(7_000_050), "ta_reached"), (7_000_051, "ta_lost")] {
            try await accounts.insertCreating(TradingAccountRecord(serverID: "mt5_live", login: TradingLogin(login), userID: h.trader.id.rawValue,
                                                                   accountTypeID: "standard", group: "real\\standard", currency: "USD", leverage: 100,
                                                                   status: .creating, tradingEnabled: true, requestID: request, lastError: "",
                                                                   createdAt: 0, updatedAt: 0), audit: .system)
        }
        _ = try await h.mt5.client.createAccount(MT5Harness.newAccount("ta_reached", login: 7_000_050))
        #expect(try await h.trading.provisioning.settleInterrupted(olderThan: 0) == 2)
        #expect(try await accounts.account(serverID: "mt5_live", login: TradingLogin(7_000_050))?.status == .active)
        let lost = try await accounts.account(serverID: "mt5_live", login: TradingLogin(7_000_051))
        #expect(lost?.status == .failed && lost?.lastError == "the server never created it")
    }

    @Test(arguments: TestDatabases.kinds)
    func demoAccountsGetVirtualMoneyOnceAndNoLedgerEntry(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        let opened = try await h.trading.provisioning.open(for: h.trader, typeID: "demo", leverage: 500, audit: .system)
        #expect(opened.record.login == TradingLogin(8_000_000))
        let state = try await h.mt5.client.account(opened.record.login)
        #expect(state.balance == MT5Harness.usd("10000"))
        #expect(try await h.ledger.balance(of: h.mirror(opened.record)) == 0)
        #expect(try await h.ledger.balance(of: h.wallet) == TradingHarness.walletFunding)
    }

    /// A server that stops answering mid-creation: the account stays `creating`
    /// (it may exist), the trader is told so, and the next settling reads it back.
    @Test(arguments: TestDatabases.kinds)
    func anUnansweredCreationIsSettledLater(kind: String) async throws {
        let h = try await TradingHarness.start(kind)
        defer { Task { await h.stop() } }
        h.mt5.server.setFaults(SimulatorFaults(dropRate: 1))
        await #expect(throws: ProvisioningError.outcomeUnknown("mt5_live:7000000")) {
            _ = try await h.trading.provisioning.open(for: h.trader, typeID: "standard", leverage: 100, audit: .system)
        }
        #expect(try await h.trading.accounts.account(serverID: "mt5_live", login: TradingLogin(7_000_000))?.status == .creating)
        h.mt5.server.setFaults(.none)
        #expect(try await h.trading.provisioning.settleInterrupted(olderThan: 0) == 1)
        let settled = try #require(try await h.trading.accounts.account(serverID: "mt5_live", login: TradingLogin(7_000_000)))
        // Half the drops happen after the request took effect: either way Pipstack now agrees with the server.
        let onServer = try? await h.mt5.client.account(TradingLogin(7_000_000))
        #expect(settled.status == (onServer?.requestID == settled.requestID ? .active : .failed))
    }
}
