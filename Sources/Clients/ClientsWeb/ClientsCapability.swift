import Platform
import Clients
import WebKit

/// Client events as a capability: the intake and its API.
public enum ClientsCapability: Capability {
    public static let migrations = ClientsSchema.migrations
    public static let pages: [any WebSlice.Type] = [ClientsPages.self]

    public static func build(into services: inout CapabilityServices) throws {
        try services.add(ClientEventStore(db: services.web.db, clock: services.web.clock))
    }

    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] {
        [ClientsPages(web: services.web, clientEvents: try services.get(), trading: try services.get(), ledger: try services.get(),
                      partners: try services.get(), commissions: try services.get(), payments: try services.get())]
    }
}
