import App
import SQLKit
import Platform
import TestSupport
import Testing

@Suite struct MigrationTests {
    @Test(arguments: TestDatabases.kinds)
    func migratesAnEmptyDatabaseOnceAndRefusesANewerSchema(kind: String) async throws {
        let db = try await Database.open(try await TestDatabases.url(kind), logger: TestDatabases.logger, pool: TestDatabases.pool)
        defer { Task { await db.close() } }
        let runner = MigrationRunner()
        #expect(try await runner.migrate(db) == runner.migrations.map(\.version))
        #expect(try await runner.migrate(db) == [])
        #expect(try await runner.currentVersion(of: db) == runner.latestVersion)

        try await db.transaction { sql in
            try await sql.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run()
        }
        await #expect(throws: StorageError.schemaTooNew(database: 999, known: runner.latestVersion)) {
            try await runner.migrate(db)
        }
    }

    @Test func parsesDatabaseURLs() throws {
        #expect(try DatabaseURL(parsing: "sqlite:./data/p.sqlite") == .sqlite(path: "./data/p.sqlite"))
        #expect(try DatabaseURL(parsing: "postgres://u:p%40ss@db.example:6543/pipstack")
                == .postgres(host: "db.example", port: 6543, user: "u", password: "p@ss", database: "pipstack"))
        #expect(throws: StorageError.self) { try DatabaseURL(parsing: "mysql://x") }
        #expect(throws: StorageError.self) { try DatabaseURL(parsing: "postgres://host") }
        #expect(throws: StorageError.self) { try DatabaseURL(parsing: "sqlite:") }
        #expect(!(try DatabaseURL(parsing: "postgres://u:secret@h/db")).description.contains("secret"))
    }
}
