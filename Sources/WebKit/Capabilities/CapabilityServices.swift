import Platform

/// The services built so far, by type: the shared web services, the settings a
/// slice's services need, and each capability's own. A capability finds the ones it
/// depends on with `get`; asking for one no earlier capability built is a
/// misconfiguration of the capability list, reported at start-up.
public struct CapabilityServices: Sendable {
    /// What slices' services are configured with, beyond the shared web services.
    public struct Settings: Sendable {
        public let secretKey: String
        /// How long a dispatcher holds a balance operation before another may take it.
        public let balanceOperationLeaseSeconds: Int64

        public init(secretKey: String, balanceOperationLeaseSeconds: Int64 = 30) {
            self.secretKey = secretKey
            self.balanceOperationLeaseSeconds = balanceOperationLeaseSeconds
        }
    }

    public let web: WebServices
    public let settings: Settings
    private var built: [ObjectIdentifier: any Sendable] = [:]

    public init(web: WebServices, settings: Settings) {
        self.web = web
        self.settings = settings
    }

    /// Adds a capability's service; a second one of the same type replaces nothing and is refused.
    public mutating func add<Service: Sendable>(_ service: Service) throws {
        guard built.updateValue(service, forKey: ObjectIdentifier(Service.self)) == nil else {
            throw StorageError.misconfigured("two capabilities build a \(Service.self)")
        }
    }

    /// A service an earlier capability built.
    public func get<Service: Sendable>(_ type: Service.Type = Service.self) throws -> Service {
        guard let service = built[ObjectIdentifier(type)] as? Service else {
            throw StorageError.misconfigured("no capability listed before this one builds a \(type)")
        }
        return service
    }
}
