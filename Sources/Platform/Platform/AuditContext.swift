import BrokerCore
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
    public func entry(_ action: String, entityType: String, entityID: some CustomStringConvertible, before: String = "{}", after: String = "{}") -> AuditEntry {
        AuditEntry(actor: actor, action: action, entityType: entityType, entityID: entityID.description,
                   before: before, after: after, requestID: requestID, ip: ip)
    }
}
