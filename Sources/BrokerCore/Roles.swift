/// The people who use Pipstack, each with a login surface of their own.
public enum PrincipalKind: String, Sendable, Codable, CaseIterable {
    case staff, trader, partner
}

/// Staff roles. What each may do is decided in one place: the permission table.
public enum StaffRole: String, Sendable, Codable, CaseIterable {
    case admin
    case compliance
    case finance
    case dealing          // dealing and support desk
    case salesAgent = "sales_agent"
    case deskManager = "desk_manager"
    case ibManager = "ib_manager"

    /// Roles whose accounts must use TOTP under `serve` by default.
    public static let twoFactorByDefault: Set<StaffRole> = [.admin, .finance, .compliance]

    public var displayName: String {
        switch self {
        case .admin: "Administrator"
        case .compliance: "Compliance"
        case .finance: "Finance"
        case .dealing: "Dealing / support"
        case .salesAgent: "Sales agent"
        case .deskManager: "Desk manager"
        case .ibManager: "IB manager"
        }
    }
}

/// Who is asking: nobody, a trader, a partner, or staff with a role.
public enum Principal: Hashable, Sendable {
    case anonymous
    case trader
    case partner
    case staff(StaffRole)

    /// Every principal, for tests and the permission matrix.
    public static let all: [Principal] = [.anonymous, .trader, .partner] + StaffRole.allCases.map { .staff($0) }

    public var name: String {
        switch self {
        case .anonymous: "anonymous"
        case .trader: "trader"
        case .partner: "partner"
        case let .staff(role): "staff:\(role.rawValue)"
        }
    }
}
