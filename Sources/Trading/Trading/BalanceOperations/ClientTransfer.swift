import BrokerCore
import Identity
import Ledger
import LedgerCore
import Money
import Platform

/// Why a trader's own transfer between wallet and trading account was refused
/// before it was accepted: each case is something the trader can act on, so the
/// trader's room words it for them instead of showing a server's error.
public enum ClientTransferRefusal: Error, Equatable, Sendable {
    /// Not a positive amount in the account's currency (`text` is what was typed).
    case amount(text: String)
    /// A cent account moves whole cents of its wallet's currency.
    case wholeCents(Int64)
    /// The wallet holds less than the transfer, counting transfers already waiting.
    case walletShort(available: Money)
    /// The account's free margin is less than the withdrawal.
    case accountShort(available: Money)
    case demoAccount
    case inactiveAccount
    /// The trade server could not be asked; nothing was accepted.
    case serverUnavailable
}

extension TradingServices {
    /// A trader's transfer between its wallet and one of its own live accounts,
    /// checked before it is accepted: a deposit against what the wallet holds less
    /// the deposits still waiting, a withdrawal against the account's free margin on
    /// the trade server. Exactly once per `id`: the same id again returns the
    /// operation already accepted without checking again.
    public func clientTransfer(id: String, account: TradingAccountRecord, kind: BalanceOperation.Kind, amountText: String,
                               ledger: LedgerStore, audit: AuditContext) async throws -> BalanceOperationRecord {
        if let existing = try await operations.operation(id), existing.serverID == account.serverID, existing.login == account.login {
            return existing
        }
        guard account.status == .active else { throw ClientTransferRefusal.inactiveAccount }
        guard try await servers.server(account.serverID)?.environment != .demo else { throw ClientTransferRefusal.demoAccount }
        guard let currency = Currency(code: account.currency), kind == .deposit || kind == .withdrawal,
              let amount = try? Money(parsing: amountText.trimmingCharacters(in: .whitespaces), currency: currency), amount.minorUnits > 0,
              (try? PlatformAmount(amount)) != nil else {
            throw ClientTransferRefusal.amount(text: amountText)
        }
        let wallet = BalanceOperationStore.walletCurrency(for: currency)
        guard amount.minorUnits % wallet.centsPerUnit == 0 else { throw ClientTransferRefusal.wholeCents(wallet.centsPerUnit) }
        if kind == .deposit {
            let held = try await ledger.balance(of: LedgerAccount(kind: .clientWallet, owner: account.userID, currency: wallet.currency))
            let waiting = try await operations.waitingDeposits(walletOwner: account.userID, currency: wallet.currency)
            let available = held - waiting
            guard amount.minorUnits / wallet.centsPerUnit <= available else {
                throw ClientTransferRefusal.walletShort(available: Money(minorUnits: max(0, available), currency: wallet.currency))
            }
        } else {
            let state: TradingAccountState
            do { state = try await platforms.platform(for: account.serverID).account(account.login) } catch { throw ClientTransferRefusal.serverUnavailable }
            // Whole minor units of free margin, rounded down: what can leave without touching margin.
            let free = state.freeMargin.units / Power10.of(PlatformAmount.scale - currency.exponent)
            guard amount.minorUnits <= free else { throw ClientTransferRefusal.accountShort(available: Money(minorUnits: max(0, free), currency: currency)) }
        }
        return try await operations.request(BalanceOperationRequest(id: id, serverID: account.serverID, login: account.login, kind: kind, amount: amount,
                                                                    walletOwner: account.userID, comment: "trader's room"),
                                            for: account, audit: audit)
    }
}
