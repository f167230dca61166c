import App
import BrokerCore
import Foundation
import Hummingbird
import Identity
import Logging
import Partners
import ServiceLifecycle
import UnixSignals
import Platform
import Trading
import WebKit
import Commissions

/// Opening storage and running the web app with its workers, shared by `serve` and `demo`.
enum Runtime {
    /// Returns when the process is asked to stop (SIGTERM or SIGINT).
    static func waitForTermination() async {
        for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return }
    }

    static func logger(_ label: String = "pipstack") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["PIPSTACK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    /// Opens the database and brings its schema up to date.
    static func openMigrated(_ url: DatabaseURL, logger: Logger) async throws -> Database {
        let db = try await Database.open(url, logger: logger)
        do {
            try await MigrationRunner().migrate(db)
            try await Schema.completeUpgrade(db)
        } catch {
            await db.close()
            throw error
        }
        return db
    }

    /// Runs the HTTP server, the job worker and the deal sync of every configured
    /// trade server until SIGTERM/SIGINT.
    static func run(services: AppServices, mailer: any Mailer, host: String, port: Int, secretKey: String, logger: Logger) async throws {
        let group = try services.serviceGroup(mailer: mailer, host: host, port: port, logger: logger)
        try await group.run()
    }
}

/// Turns `ServeCommand`'s options into the brand list when the database has none yet.
enum DefaultBrand {
    static func make(name: String, domains: [String]) -> Brand {
        Brand(id: "brand_default", name: name, domains: domains,
              theme: Brand.Theme(primaryColor: "#1f4e79", accentColor: "#2e8b57", logoURL: ""),
              defaultLanguage: .en, languages: Language.allCases,
              legal: ["footer": "Trading CFDs carries a high level of risk and may not be suitable for all investors."], isDefault: true)
    }

    /// The brands in the database, creating the default one when there are none.
    static func ensure(_ db: Database, clock: any PipstackClock, name: String) async throws -> [Brand] {
        let store = BrandStore(db: db)
        let brands = try await store.all()
        if !brands.isEmpty { return brands }
        try await store.save(make(name: name, domains: ["localhost", "127.0.0.1"]), now: clock.nowMicros(), audit: .system)
        return try await store.all()
    }

}
