import Platform
import Commissions
import Partners
import Trading
import WebKit

/// Partners as a capability: the tree, plans and attributions (`BookBuilder`), and
/// the partner pages of the back office and the portal.
public enum PartnersCapability: Capability {
    public static let migrations = PartnersSchema.migrations
    public static let pages: [any WebSlice.Type] = [PartnersPages.self]

    public static func build(into services: inout CapabilityServices) throws {
        try services.add(BookBuilder(db: services.web.db, clock: services.web.clock))
    }

    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] {
        [PartnersPages(web: services.web, partners: try services.get(), commissions: try services.get(), trading: try services.get())]
    }
}
