import App
import ArgumentParser
import Platform

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Bring the database schema up to date (refuses a schema newer than this build).")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let logger = Runtime.logger()
        let db = try await Database.open(try storage.resolvedURL(), logger: logger)
        defer { Task { await db.close() } }
        let runner = MigrationRunner()
        let applied = try await runner.migrate(db)
        print(applied.isEmpty ? "schema is up to date at version \(runner.latestVersion)" : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema at version \(runner.latestVersion)")
        await db.close()
    }
}
