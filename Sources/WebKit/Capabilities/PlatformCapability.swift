import Platform

/// The platform as a capability: its tables (migrations, audit, jobs) and the health endpoints.
public enum PlatformCapability: Capability {
    public static let migrations = PlatformSchema.migrations
    public static let pages: [any WebSlice.Type] = [HealthRoutes.self]
    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] { [HealthRoutes(services: services.web)] }
}
