import Platform

/// Why an identity operation was refused, in words a user can act on.
public enum IdentityError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidEmail(String)
    case weakPassword(String)
    case emailTaken(String)
    case notFound(String)
    case invalidToken
    case crypto(String)
    case invalidRole(String)
    case invalidName
    case notInvited
    /// Staff may not take away their own access (role, status): another administrator must.
    case notOnYourself
    case invalidTimeZone

    public var description: String {
        switch self {
        case let .invalidEmail(email): "not a valid email address: \(email)"
        case let .weakPassword(reason): "password too weak: \(reason)"
        case let .emailTaken(email): "an account with \(email) already exists"
        case let .notFound(what): "not found: \(what)"
        case .invalidToken: "this link is invalid or has expired"
        case let .crypto(what): "encryption failure: \(what)"
        case let .invalidRole(role): "unknown role: \(role)"
        case .invalidName: "a name of 1 to 100 characters"
        case .notInvited: "this person has already accepted the invitation"
        case .notOnYourself: "you cannot change your own access; ask another administrator"
        case .invalidTimeZone: "an IANA time zone such as Europe/London"
        }
    }
}
