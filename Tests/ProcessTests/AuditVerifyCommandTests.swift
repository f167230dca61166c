import Foundation
import SQLKit
import Platform
import TestSupport
import Testing

/// `pipstack audit verify` and `pipstack migrate` as an operator runs them.
@Suite struct AuditVerifyCommandTests {
    @Test(arguments: TestDatabases.kinds)
    func verifyExitsZeroWhenIntactAndNamesTheFirstTamperedEvent(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        for index in 1...5 {
            try await db.transaction { sql in
                try await AuditLog.append(AuditEntry(actor: "cli-test", action: "thing.update", entityType: "thing", entityID: "t\(index)"),
                                          at: Int64(index), on: sql, dialect: db.dialect)
            }
        }
        let url = DatabaseURLText.of(db.url)
        let intact = try await PipstackProcess.run(["audit", "verify", "--database-url", url])
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("intact: 5 events"))

        try await db.transaction { try await $0.raw("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3").run() }
        let edited = try await PipstackProcess.run(["audit", "verify", "--database-url", url])
        #expect(edited.status == 1)
        #expect(edited.output.contains("BROKEN at event 3"))
        #expect(edited.output.contains("edited"))
        await db.close()
    }

    @Test func migrateRefusesASchemaNewerThanItKnows() async throws {
        let db = try await TestDatabases.make("sqlite")
        try await db.transaction { try await $0.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)").run() }
        let url = DatabaseURLText.of(db.url)
        await db.close()
        let result = try await PipstackProcess.run(["migrate", "--database-url", url])
        #expect(result.status != 0)
        #expect(result.output.contains("newer than this build"))
    }
}
