import App
import Ledger
import Platform
import Testing
import Trading
import TradingWeb
import LedgerWeb
import WebKit

/// The composition root builds each capability from those listed before it, and
/// says so plainly when the list is out of order.
@Suite struct CapabilityTests {
    @Test func aCapabilityListedBeforeWhatItNeedsIsAMisconfigurationNamedAtStartUp() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        var services = CapabilityServices(web: harness.services.web, settings: .init(secretKey: "test-secret-key-of-at-least-32-characters"))
        // Trading needs the ledger's store: built first, it is refused with the reason.
        #expect {
            try TradingCapability.build(into: &services)
        } throws: { error in
            "\(error)".contains("no capability listed before this one builds a LedgerStore")
        }
        try LedgerCapability.build(into: &services)
        try TradingCapability.build(into: &services)
        let trading: TradingServices = try services.get()
        #expect(try await trading.servers.all().isEmpty)
        // A second store of one type would make `get` ambiguous: refused.
        #expect(throws: StorageError.self) { try LedgerCapability.build(into: &services) }
    }

    @Test func theAppBuildsEveryCapabilitysServicesAndPages() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let pages = try Capabilities.all.flatMap { try $0.pages(harness.services.built) }
        #expect(pages.count == Capabilities.all.flatMap { $0.pages }.count)
        #expect(Set(Schema.slices.flatMap { $0 }.map(\.version)) == Set(Schema.all.map(\.version)))
    }
}
