import BrokerCore
import Commissions
import Identity
import Platform
import SQLKit
import TestSupport
import Testing
import Trading

/// The back-office home of one brand: commissions, lots and active accounts count under
/// the brand the trading account was opened under, corrections included, and accounts
/// recorded before brands were get their owner's at start-up.
@Suite struct BrandFiguresTests {
    static let day: Int64 = 86_400_000_000
    static let secretBox = SecretBox(secretKey: "test-secret-key-of-at-least-32-characters")

    /// Sub's client registered under `brand_two` owns mt5:1001; mt5:2002 is nobody's account.
    static func openBrandTwoAccount(_ db: Database) async throws -> TradingAccountStore {
        let identity = IdentityService(db: db, clock: SystemClock(), secretBox: secretBox, bcryptCost: 4)
        let client = try await identity.createUser(kind: .trader, email: "two@brand.test", password: "Brand-two-2026", displayName: "Brand Two Client",
                                                   brandID: "brand_two", audit: .system)
        let accounts = TradingAccountStore(db: db, clock: SystemClock())
        try await accounts.insertCreating(TradingAccountRecord(serverID: "mt5", login: TradingLogin(1001), userID: client.id.rawValue, accountTypeID: "std",
                                                               group: "real\\standard", currency: "USD", leverage: 30, status: .creating, tradingEnabled: true,
                                                               requestID: "ta_brand_two", lastError: "", createdAt: 0, updatedAt: 0), audit: .system)
        try await accounts.settle(serverID: "mt5", login: TradingLogin(1001), status: .active, audit: .system)
        return accounts
    }

    @Test(arguments: TestDatabases.kinds)
    func commissionsLotsAndActiveAccountsCountUnderTheAccountsBrand(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        try await CommissionPipelineTests.setUp(db)
        let accounts = try await Self.openBrandTwoAccount(db)
        let (store, _, pipeline) = try await CommissionPipelineTests.ingestSampleDeals(db)
        let reports = CommissionReports(db: db, clock: SystemClock())
        let all = try await reports.brokerDaily(from: 0, to: Self.day)
        let two = try await reports.brokerDaily(from: 0, to: Self.day, brand: "brand_two")
        // 39 closings of 0.33 lots earn sub $1.65 and master $0.66 each; lots count once a deal.
        #expect(all.map(\.amount) == [39 * 231_000_000] && two.map(\.amount) == all.map(\.amount))
        #expect(two.map(\.lots) == all.map(\.lots) && two.first?.lots == 39 * 33_000_000)
        #expect(try await reports.brokerDaily(from: 0, to: Self.day, brand: "brand_default").isEmpty)

        // A cancelled closing is taken off the brand's day too, lots included.
        let closing = CommissionPipelineTests.deals().first { $0.entry == .entryOut && $0.ticket == 4 }!
        try await store.store(DealSyncBatch(serverID: "mt5", deals: [DealCorrectionTests.changed(closing, action: .buyCanceled)], cursorTime: 0))
        try await DealCorrectionTests.drain(pipeline, store)
        let corrected = try await reports.brokerDaily(from: 0, to: Self.day, brand: "brand_two")
        #expect(corrected.map(\.amount) == [38 * 231_000_000] && corrected.map(\.lots) == [38 * 33_000_000])
        #expect(try await reports.brokerDaily(from: 0, to: Self.day).map(\.amount) == corrected.map(\.amount))

        // Both accounts traded on day 0; only mt5:1001 is brand_two's.
        #expect(try await store.activeAccountsPerDay(from: 0, to: Self.day) == [0: 2])
        #expect(try await store.activeAccountsPerDay(from: 0, to: Self.day, brand: "brand_two") == [0: 1])
        #expect(try await accounts.activeCounts(openedSince: 0, brand: "brand_two") == (active: 1, new: 1))
        #expect(try await accounts.activeCounts(openedSince: 0, brand: "brand_default") == (active: 0, new: 0))
    }

    /// An account recorded before brands were gets its owner's brand at start-up, and
    /// the days it traded move under that brand; a second run changes nothing.
    @Test(arguments: TestDatabases.kinds)
    func accountsFromBeforeBrandsGetTheirOwnersBrand(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let accounts = try await Self.openBrandTwoAccount(db)
        try await db.transaction { sql in try await sql.raw("UPDATE trading_accounts SET brand_id = ''").run() }
        let store = try DealStore(db: db)
        try await store.store(DealSyncBatch(serverID: "mt5", deals: Array(CommissionPipelineTests.deals().prefix(2)), cursorTime: 0))
        #expect(try await store.activeAccountsPerDay(from: 0, to: Self.day, brand: "brand_two") == [:])
        #expect(try await accounts.assignMissingBrands() == 1)
        #expect(try await store.activeAccountsPerDay(from: 0, to: Self.day, brand: "brand_two") == [0: 1])
        #expect(try await store.activeAccountsPerDay(from: 0, to: Self.day) == [0: 1])
        #expect(try await accounts.assignMissingBrands() == 0)
    }
}
