import Platform
import Ledger
import WebKit

/// The ledger as a capability: the ledger store, its pages and API.
public enum LedgerCapability: Capability {
    public static let migrations = LedgerSchema.migrations
    public static let pages: [any WebSlice.Type] = [LedgerPages.self]

    public static func build(into services: inout CapabilityServices) throws {
        try services.add(try LedgerStore(db: services.web.db, clock: services.web.clock))
    }

    public static func pages(_ services: CapabilityServices) throws -> [any WebSlice] {
        [LedgerPages(ledger: try services.get(), clock: services.web.clock)]
    }
}
