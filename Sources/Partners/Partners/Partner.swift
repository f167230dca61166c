import BrokerCore
import Platform

/// Someone the broker pays for clients: an introducing broker, a sub-IB or an affiliate.
public struct Partner: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case ib, subIB = "sub_ib", affiliate }
    public enum LegalType: String, Sendable, Codable, CaseIterable { case person, company }
    public enum Status: String, Sendable, Codable, CaseIterable { case active, suspended, terminated }

    public var id: PartnerID
    /// The partner-portal user, if the partner logs in.
    public var userID: String
    public var kind: Kind
    public var legalType: LegalType
    public var name: String
    public var email: String
    public var status: Status
    /// When the partner accepted the agreement (µs); 0 not yet.
    public var agreementAcceptedAt: Int64

    public init(id: PartnerID, userID: String = "", kind: Kind = .ib, legalType: LegalType = .person, name: String, email: String = "",
                status: Status = .active, agreementAcceptedAt: Int64 = 0) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.legalType = legalType
        self.name = name
        self.email = email
        self.status = status
        self.agreementAcceptedAt = agreementAcceptedAt
    }
}

/// Effective dating: a period holds from its start (inclusive) to its end
/// (exclusive); an open period ends at `Effective.open`.
public enum Effective {
    public static let open = Int64.max
}

/// Why a partner change was refused.
public enum PartnerError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownPartner(PartnerID)
    case unknownPlan(String)
    case cycle(partner: PartnerID, parent: PartnerID)
    case notAfterCurrent(String)
    case invalid(field: String, String)

    public var description: String {
        switch self {
        case let .unknownPartner(id): "no partner \(id)"
        case let .unknownPlan(id): "no commission plan \(id)"
        case let .cycle(partner, parent): "\(parent) is below \(partner) in the tree: the move would make a cycle"
        case let .notAfterCurrent(what): "\(what): a change takes effect after the one in force, never before it"
        case let .invalid(field, message): "\(field): \(message)"
        }
    }
}
