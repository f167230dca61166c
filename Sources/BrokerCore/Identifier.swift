/// A typed identifier: a string tagged with what it identifies, so a `UserID` can
/// never be passed where a `BrandID` is expected. Stored as TEXT.
public struct Identifier<Tag>: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringInterpolation, Comparable {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(stringInterpolation: DefaultStringInterpolation) { self.rawValue = String(stringInterpolation: stringInterpolation) }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum UserTag {}
public enum BrandTag {}
public enum SessionTag {}
public enum ApiKeyTag {}
public enum JobTag {}

public typealias UserID = Identifier<UserTag>
public typealias BrandID = Identifier<BrandTag>
public typealias ApiKeyID = Identifier<ApiKeyTag>
public typealias JobID = Identifier<JobTag>
