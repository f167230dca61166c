import Logging
import Platform
import ServiceLifecycle

/// One capability as the composition root sees it: its migrations, how its services
/// are built from those of the capabilities listed before it, its pages, the jobs it
/// handles and its long-running services. Each slice publishes one (in its `…Web`
/// module) and `App` lists each once, so adding a capability is one line there.
public protocol Capability {
    /// The slice's migrations (`…Schema.migrations`), merged by global version.
    static var migrations: [Migration] { get }
    /// The slice's page types: their permission rows and menu entries.
    static var pages: [any WebSlice.Type] { get }
    /// Builds the slice's services and adds them to `services`.
    static func build(into services: inout CapabilityServices) throws
    /// The slice's pages, once every capability's services are built.
    static func pages(_ services: CapabilityServices) throws -> [any WebSlice]
    /// The queued jobs the slice runs, by job kind.
    static func jobs(_ services: CapabilityServices) throws -> [String: JobWorker.Handler]
    /// The slice's long-running services (feeds, pipelines, schedulers).
    static func background(_ services: CapabilityServices, logger: Logger) throws -> [any Service]
}

extension Capability {
    public static var pages: [any WebSlice.Type] { [] }
    public static func build(into services: inout CapabilityServices) throws {}
    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] { [] }
    public static func jobs(_ services: CapabilityServices) throws -> [String: JobWorker.Handler] { [:] }
    public static func background(_ services: CapabilityServices, logger: Logger) throws -> [any Service] { [] }
}
