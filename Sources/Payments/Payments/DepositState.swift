/// Where a deposit is in its life. A status only ever moves forward: a late or
/// repeated provider message that would move it back changes nothing. Money is
/// credited on `approved` alone, and taken back on `refunded` or `chargedBack`.
public enum DepositState: String, Sendable, Codable, CaseIterable {
    case initiated, pending, redirected
    case threeDS = "three_ds"
    case approved, declined, cancelled, expired, refunded
    case chargedBack = "charged_back"

    /// Order along the life of a deposit: the provider is asked, the person is sent to
    /// its page, 3-D Secure, then an outcome, then what can follow an approval.
    var rank: Int {
        switch self {
        case .initiated: 0
        case .pending: 1
        case .redirected: 2
        case .threeDS: 3
        case .approved, .declined, .cancelled, .expired: 4
        case .refunded, .chargedBack: 5
        }
    }

    /// No message changes a deposit in this state any more (a declined one only by an approval).
    public var isTerminal: Bool { [.declined, .cancelled, .expired, .refunded, .chargedBack].contains(self) }

    /// Whether a message saying `next` moves the deposit there. One outcome may follow
    /// another: a declined card attempt leaves the provider's payment open, and the
    /// client may pay it with another card, so a later approval still counts.
    public func accepts(_ next: DepositState) -> Bool {
        if self == .declined, next == .approved { return true }
        guard !isTerminal, next != self else { return false }
        if self == .approved { return next == .refunded || next == .chargedBack }
        return next.rank > rank && next.rank <= 4
    }
}
