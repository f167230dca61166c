import BrokerCore
import Hummingbird
import Platform

/// Who may call one route.
public struct RoutePermission: Sendable, Hashable {
    public let method: HTTPRequest.Method
    public let path: String
    public let allowed: Set<Principal>

    public init(_ method: HTTPRequest.Method, _ path: String, _ allowed: Set<Principal>) {
        self.method = method
        self.path = path
        self.allowed = allowed
    }

    public static let everyone = Set(Principal.all)
    public static let allStaff = Set(StaffRole.allCases.map { Principal.staff($0) })
    public static let authenticated = everyone.subtracting([.anonymous])
    public static func staff(_ roles: StaffRole...) -> Set<Principal> { Set(roles.map { .staff($0) }) }
}

/// The one table that maps every route to the principals allowed on it, assembled
/// from the rows each slice declares next to its routes (`WebSlice.permissions`).
///
/// Routes are registered through `SecuredRoutes`, which looks each one up here; a
/// route missing from the table is refused to everyone, and a test walks every
/// route with every principal against this table.
public struct PermissionTable: Sendable {
    public let rules: [RoutePermission]
    private let index: [String: RoutePermission]

    /// A route declared twice keeps its first row; a test checks there are none.
    public init(_ rules: [RoutePermission]) {
        self.rules = rules
        index = Dictionary(rules.map { ("\($0.method.rawValue) \($0.path)", $0) }) { first, _ in first }
    }

    public func rule(_ method: HTTPRequest.Method, _ path: String) -> RoutePermission? {
        index["\(method.rawValue) \(path)"]
    }

    public func allows(_ principal: Principal, _ method: HTTPRequest.Method, _ path: String) -> Bool {
        rule(method, path)?.allowed.contains(principal) ?? false
    }

    /// The methods some route answers on a concrete request path (`/api/v1/clients/42/events`
    /// matches `/api/v1/clients/:id/events`), so that a wrong method is told 405 with
    /// `Allow` rather than 404.
    public func methods(forPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var methods: [HTTPRequest.Method] = []
        for rule in rules where !methods.contains(rule.method) {
            let template = rule.path.split(separator: "/", omittingEmptySubsequences: false)
            guard template.count == segments.count else { continue }
            let matches = zip(template, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix(":") ? !segment.isEmpty : pattern == segment
            }
            if matches { methods.append(rule.method) }
        }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }
}

/// One entry of a surface's menu, declared by the slice that owns the page. The
/// menu shows entries by `rank`, and only those the principal may open.
public struct MenuItem: Sendable {
    public let surface: Surface
    public let path: String
    /// The i18n key of the label.
    public let label: String
    public let rank: Int

    public init(_ surface: Surface, _ path: String, label: String, rank: Int) {
        self.surface = surface
        self.path = path
        self.label = label
        self.rank = rank
    }
}
