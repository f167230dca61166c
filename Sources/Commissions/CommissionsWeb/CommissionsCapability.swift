import Platform
import BrokerCore
import Commissions
import Ledger
import Logging
import Money
import ServiceLifecycle
import Trading
import WebKit

/// Commissions as a capability: the pipeline from the deal feed to the ledger,
/// reports, what-if, recalculation, settlements and payouts; the pipeline and the
/// period-end service run in the background.
public enum CommissionsCapability: Capability {
    public static let migrations = CommissionsSchema.migrations
    public static let pages: [any WebSlice.Type] = [CommissionsPages.self]

    public static func build(into services: inout CapabilityServices) throws {
        let trading: TradingServices = try services.get()
        try services.add(CommissionServices(db: services.web.db, ledger: try services.get(), deals: trading.deals, clock: services.web.clock,
                                            deposit: payoutDeposit(trading)))
    }

    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] {
        [CommissionsPages(web: services.web, commissions: try services.get(), partners: try services.get())]
    }

    public static func background(_ services: CapabilityServices, logger: Logger) throws -> [any Service] {
        let commissions: CommissionServices = try services.get()
        return try commissions.backgroundServices(logger: logger, health: services.web.health)
    }

    /// A payout to a trading account: from the partner's wallet, through the platform's balance-operation outbox.
    static func payoutDeposit(_ trading: TradingServices) -> PayoutStore.TradingAccountDeposit {
        { payout, walletOwner in
            guard let key = TradingAccountKey(payout.target), let currency = Currency(code: payout.payoutCurrency) else {
                throw PayoutError.invalid(field: "target", "SERVER:LOGIN of a trading account")
            }
            try await trading.depositFromWallet(reference: "payout:\(payout.id)", serverID: key.server, login: key.login,
                                                amount: Money(minorUnits: payout.payoutMinor, currency: currency), walletOwner: walletOwner,
                                                comment: "IB payout \(payout.periodKey)", audit: .system)
        }
    }
}
