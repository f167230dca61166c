import Platform

/// The platform as a capability: its tables (migrations, audit, jobs), the health
/// endpoints and the design system's style guide.
public enum PlatformCapability: Capability {
    public static let migrations = PlatformSchema.migrations
    public static let pages: [any WebSlice.Type] = [HealthRoutes.self, StyleguideRoutes.self]
    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] { [HealthRoutes(services: services.web), StyleguideRoutes(services: services.web)] }
}
