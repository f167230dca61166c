/// What the leverage decision may look at: who asks, for which product.
public struct LeverageRequest: Sendable, Equatable {
    public var clientID: String
    public var accountType: AccountType
    public var isDemo: Bool

    public init(clientID: String, accountType: AccountType, isDemo: Bool) {
        self.clientID = clientID
        self.accountType = accountType
        self.isDemo = isDemo
    }
}

/// The one place that decides the highest leverage a client may have on an
/// account. Every caller (account opening, staff changes, the API) goes through
/// `cap(for:)`. Until onboarding and client categorisation exist, the cap is the
/// account type's maximum; the regulatory rules (retail ESMA caps per instrument
/// class, professional clients, appropriateness results) belong here.
public enum LeveragePolicy {
    public static func cap(for request: LeverageRequest) -> Int {
        request.accountType.maxLeverage
    }

    /// The leverages a client may choose from: the type's options up to the cap.
    public static func choices(for request: LeverageRequest) -> [Int] {
        let cap = cap(for: request)
        return request.accountType.leverageOptions.filter { $0 <= cap }
    }

    /// The leverage a new account starts at unless the client picks another: the
    /// compliance setting for a conservative default, 1:30 (ESMA's and the FCA's
    /// retail cap for major currency pairs). Onboarding makes it per jurisdiction.
    public static let conservativeDefault = 30

    /// The choice a form preselects: the highest allowed leverage not above the
    /// conservative default, else the lowest allowed.
    public static func suggested(among choices: [Int]) -> Int? {
        choices.filter { $0 <= conservativeDefault }.max() ?? choices.min()
    }
}
