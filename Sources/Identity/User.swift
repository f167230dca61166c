import BrokerCore
import Storage

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

/// Who did something and from where, threaded into every audited change.
public struct AuditContext: Sendable {
    public let actor: String
    public let requestID: String
    public let ip: String
    public init(actor: String, requestID: String = "", ip: String = "") {
        self.actor = actor
        self.requestID = requestID
        self.ip = ip
    }
    public static let system = AuditContext(actor: "system")
}

extension AuditContext {
    /// The audit entry for an action taken in this context.
    public func entry(_ action: String, entityType: String, entityID: String, before: String = "{}", after: String = "{}") -> AuditEntry {
        AuditEntry(actor: actor, action: action, entityType: entityType, entityID: entityID,
                   before: before, after: after, requestID: requestID, ip: ip)
    }
}
