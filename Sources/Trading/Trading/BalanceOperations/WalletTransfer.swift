import BrokerCore
import Identity
import Money
import Platform

extension TradingServices {
    public enum WalletTransferError: Error, Equatable, Sendable, CustomStringConvertible {
        case noAccount(String)
        case notTheOwners(String)
        case currency(String, String)

        public var description: String {
            switch self {
            case let .noAccount(account): "no active trading account \(account)"
            case let .notTheOwners(account): "trading account \(account) belongs to someone else"
            case let .currency(account, currency): "trading account \(account) is not funded in \(currency)"
            }
        }
    }

    /// Moves money from a user's wallet into one of the user's own trading accounts,
    /// exactly once per `reference` (other parts of Pipstack, such as partner payouts,
    /// pass their own id): the operation id is derived from it, so asking again
    /// returns the operation already requested.
    @discardableResult
    public func depositFromWallet(reference: String, serverID: ServerID, login: TradingLogin, amount: Money, walletOwner: String,
                                  comment: String, audit: AuditContext) async throws -> BalanceOperationRecord {
        let name = "\(serverID):\(login)"
        guard let account = try await accounts.account(serverID: serverID, login: login), account.status == .active else {
            throw WalletTransferError.noAccount(name)
        }
        guard account.userID == walletOwner else { throw WalletTransferError.notTheOwners(name) }
        // A cent account is funded from the wallet of the currency it counts cents of.
        guard let accountCurrency = Currency(code: account.currency) else { throw WalletTransferError.currency(name, amount.currency.code) }
        let wallet = BalanceOperationStore.walletCurrency(for: accountCurrency)
        guard wallet.currency == amount.currency else { throw WalletTransferError.currency(name, amount.currency.code) }
        let request = BalanceOperationRequest(id: Self.operationID(for: reference), serverID: serverID, login: login, kind: .deposit,
                                              amount: Money(minorUnits: amount.minorUnits * wallet.centsPerUnit, currency: accountCurrency),
                                              walletOwner: walletOwner, comment: comment)
        return try await operations.request(request, for: account, audit: audit)
    }

    /// A short operation id (MT5 comments are short) that is the same for the same
    /// reference: "w" and 64-bit FNV-1a in hex.
    static func operationID(for reference: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in reference.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "w" + String(hash, radix: 16)
    }
}
