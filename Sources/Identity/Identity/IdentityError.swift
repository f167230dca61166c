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

    public var description: String {
        switch self {
        case let .invalidEmail(email): "not a valid email address: \(email)"
        case let .weakPassword(reason): "password too weak: \(reason)"
        case let .emailTaken(email): "an account with \(email) already exists"
        case let .notFound(what): "not found: \(what)"
        case .invalidToken: "this link is invalid or has expired"
        case let .crypto(what): "encryption failure: \(what)"
        case let .invalidRole(role): "unknown role: \(role)"
        }
    }
}
