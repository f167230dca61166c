import BrokerCore
import Foundation
import Identity
import Platform
import TestSupport
import Testing

@Suite struct BrandCommandTests {
    @Test func brandsAreConfiguredFromTheCommandLineAndChosenByHost() async throws {
        let url = DatabaseURLText.of(try await TestDatabases.url("sqlite"))
        let saved = try await PipstackProcess.run(["brand", "set", "--database-url", url, "--id", "brand_eu", "--name", "EU Markets",
                                                   "--domains", "eu.broker.example,EU2.broker.example", "--languages", "en,es",
                                                   "--primary-color", "#003399", "--legal-footer", "CFDs are complex instruments.", "--default"])
        #expect(saved.status == 0, "\(saved.output)")
        let refused = try await PipstackProcess.run(["brand", "set", "--database-url", url, "--id", "brand_eu", "--primary-color", "red;}body{display:none"])
        #expect(refused.status != 0)
        let listed = try await PipstackProcess.run(["brand", "list", "--database-url", url])
        #expect(listed.output.contains("EU Markets"))
        #expect(listed.output.contains("eu2.broker.example"))

        let db = try await Database.open(try DatabaseURL(parsing: url), logger: TestDatabases.logger, pool: TestDatabases.pool)
        let directory = BrandDirectory(brands: try await BrandStore(db: db).all())
        await db.close()
        #expect(directory.brand(forHost: "eu2.broker.example:443")?.id == "brand_eu")
        #expect(directory.brand(forHost: "unknown.example")?.isDefault == true)
        #expect(directory.brand(forHost: "eu.broker.example")?.language(for: "ar") == .en)   // Arabic is not offered by this brand
        #expect(directory.brand(forHost: "eu.broker.example")?.language(for: "es") == .es)
    }
}
