import BrokerCore
import Platform

/// The three web surfaces. Each has its own login, cookie and home, and only one
/// kind of user may hold a session on it.
public enum Surface: String, Sendable, CaseIterable {
    case admin, portal, partners

    public var basePath: String { "/\(rawValue)" }
    public var cookieName: String { "ps_\(rawValue)" }
    public var principalKind: PrincipalKind {
        switch self {
        case .admin: .staff
        case .portal: .trader
        case .partners: .partner
        }
    }

    /// The surface a path belongs to, if any.
    public static func of(path: String) -> Surface? {
        allCases.first { path == $0.basePath || path.hasPrefix($0.basePath + "/") }
    }
}
