import Platform
import Identity
import WebKit

/// Identity as a capability: its services are the shared web services (every page needs sessions and users).
public enum IdentityCapability: Capability {
    public static let migrations = IdentitySchema.migrations
    public static let pages: [any WebSlice.Type] = [IdentityPages.self]
    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] { [IdentityPages(services: services.web)] }
}
