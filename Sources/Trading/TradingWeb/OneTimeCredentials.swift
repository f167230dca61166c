import BrokerCore
import Platform

/// A new trading account's passwords, held in memory between the POST that opened
/// the account and the page it redirects to, and given out once: so the passwords
/// are never stored, never shown twice, and a refresh opens no second account.
/// Held for ten minutes at most; an instance that restarts in between loses them,
/// and the trader sets a new password from the account's page.
actor OneTimeCredentials {
    struct Shown: Sendable {
        let serverID: ServerID
        let login: TradingLogin
        let serverName: String
        let mainPassword: String
        let investorPassword: String
    }

    private var held: [String: (userID: String, until: ContinuousClock.Instant, shown: Shown)] = [:]
    private let lifetime: Duration

    init(lifetime: Duration = .seconds(600)) { self.lifetime = lifetime }

    func put(key: String, userID: String, _ shown: Shown) {
        let now = ContinuousClock.now
        held = held.filter { $0.value.until > now }
        held[key] = (userID, now + lifetime, shown)
    }

    /// The passwords for `key` if this user's and not yet shown; forgotten once given.
    func take(key: String, userID: String) -> Shown? {
        guard let entry = held[key], entry.userID == userID, entry.until > ContinuousClock.now else { return nil }
        held[key] = nil
        return entry.shown
    }
}
