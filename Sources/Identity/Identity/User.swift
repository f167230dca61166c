import BrokerCore
import Platform

/// Someone who logs in. Staff carry a role; traders and partners do not.
public struct User: Sendable, Equatable, Codable {
    public let id: UserID
    public let kind: PrincipalKind
    public let email: String
    public let brandID: BrandID
    public var displayName: String
    public var role: StaffRole?
    public var totpEnabled: Bool
    public var status: String
    public var language: String?
    /// When the user was created (registered, or invited), microseconds; nil where not read.
    public var createdAt: Int64? = nil
    /// The IANA time zone pages show times in (nil: UTC).
    public var timeZone: String? = nil

    public var principal: Principal {
        switch kind {
        case .trader: .trader
        case .partner: .partner
        case .staff: role.map { .staff($0) } ?? .anonymous
        }
    }

    /// The audit trail's name for this user.
    public var actor: String { "\(kind.rawValue):\(id.rawValue)" }
}
