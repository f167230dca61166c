/// A trade server's id, as Pipstack names the server (`mt5_live`).
public typealias ServerID = Identifier<ServerTag>
public enum ServerTag {}

/// A partner's id.
public typealias PartnerID = Identifier<PartnerTag>
public enum PartnerTag {}

/// One trading account: the server it lives on and its login there. Its text form,
/// `SERVER:LOGIN` (`mt5_live:5000003`), is what attributions, payout targets, ledger
/// account owners and the back office use; this is the one place that builds and
/// reads it.
public struct TradingAccountKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let server: ServerID
    public let login: TradingLogin

    public init(server: ServerID, login: TradingLogin) {
        self.server = server
        self.login = login
    }

    /// Reads `SERVER:LOGIN`; nil when the text is not one (not exactly one colon, no
    /// server, or a login that is not a positive number).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let login = TradingLogin(String(parts[1])) else { return nil }
        self.init(server: ServerID(String(parts[0])), login: login)
    }

    public var description: String { "\(server.rawValue):\(login.value)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.server, lhs.login) < (rhs.server, rhs.login) }
}

extension TradingAccountKey {
    /// The login as the `login` columns store it (a BIGINT holding the UInt64's bits).
    public var storedLogin: Int64 { Int64(bitPattern: login.value) }
}
