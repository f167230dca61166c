import Money

/// A product the broker sells: one group on one trade server, with the currency
/// it is held in and the leverages a trader may choose from.
public struct AccountType: Sendable, Equatable, Codable {
    /// The family of conditions, which decides how the account is described to traders.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case standard, ecn, cent, islamic

        public var displayName: String {
            switch self {
            case .standard: "Standard"
            case .ecn: "ECN/Raw"
            case .cent: "Cent"
            case .islamic: "Islamic (swap-free)"
            }
        }
    }

    public var id: String
    public var serverID: ServerID
    public var name: String
    public var kind: Kind
    /// The trade server's group, e.g. `real\standard`.
    public var group: String
    public var currency: Currency
    /// Ascending, each 1...10,000 (1:1 to 1:10000).
    public var leverageOptions: [Int]
    public var enabled: Bool

    public init(id: String, serverID: ServerID, name: String, kind: Kind, group: String, currency: Currency,
                leverageOptions: [Int], enabled: Bool = true) {
        self.id = id
        self.serverID = serverID
        self.name = name
        self.kind = kind
        self.group = group
        self.currency = currency
        self.leverageOptions = leverageOptions
        self.enabled = enabled
    }

    /// The highest leverage the type offers.
    public var maxLeverage: Int { leverageOptions.max() ?? 1 }

    /// Parses "1, 30, 100" (or "1:30 1:100") into a sorted, de-duplicated list.
    public static func parseLeverageOptions(_ text: String) throws(AccountTypeError) -> [Int] {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" || $0 == "\n" }).map(String.init)
        var values: Set<Int> = []
        for part in parts {
            let digits = part.hasPrefix("1:") ? String(part.dropFirst(2)) : part
            guard let value = Int(digits), (1...10_000).contains(value) else {
                throw .invalid(field: "leverage_options", "\(part) is not a leverage from 1 to 10000")
            }
            values.insert(value)
        }
        guard !values.isEmpty else { throw .invalid(field: "leverage_options", "give at least one leverage") }
        return values.sorted()
    }

    /// Checks the fields a person types; errors name the field.
    public func validated() throws(AccountTypeError) -> AccountType {
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .invalid(field: "id", "1 to 64 of a-z, 0-9, _ and -")
        }
        guard !name.allSatisfy(\.isWhitespace), name.count <= 100 else { throw .invalid(field: "name", "1 to 100 characters") }
        guard (1...64).contains(group.count), !group.contains("*"), !group.contains(","), group.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
            throw .invalid(field: "group", "a server group such as real\\standard (no wildcards)")
        }
        guard !leverageOptions.isEmpty, leverageOptions.allSatisfy({ (1...10_000).contains($0) }) else {
            throw .invalid(field: "leverage_options", "each from 1 to 10000")
        }
        return self
    }
}

public enum AccountTypeError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(field: String, String)
    public var field: String { switch self { case let .invalid(field, _): field } }
    public var description: String { switch self { case let .invalid(field, message): "\(field): \(message)" } }
}
