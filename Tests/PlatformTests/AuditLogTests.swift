import SQLKit
import Platform
import TestSupport
import Testing

@Suite struct AuditLogTests {
    func seeded(_ kind: String, events: Int = 6) async throws -> Database {
        let db = try await TestDatabases.make(kind)
        for index in 1...events {
            try await db.transaction { sql in
                try await AuditLog.append(AuditEntry(actor: "user:\(index)", action: "client.update", entityType: "client",
                                                     entityID: "c\(index % 2)", before: "{\"n\":\(index - 1)}", after: "{\"n\":\(index)}",
                                                     requestID: "req-\(index)", ip: "127.0.0.1"),
                                          at: Int64(index) * 1_000, on: sql, dialect: db.dialect)
            }
        }
        return db
    }

    func verify(_ db: Database) async throws -> AuditVerification {
        try await db.read { try await AuditLog.verify(on: $0, pageSize: 4) }
    }

    @Test(arguments: TestDatabases.kinds)
    func intactChainVerifies(kind: String) async throws {
        let db = try await seeded(kind)
        defer { Task { await db.close() } }
        #expect(try await verify(db) == .intact(events: 6))
    }

    @Test(arguments: TestDatabases.kinds)
    func editingAnyRowIsNamed(kind: String) async throws {
        for seq in 1...6 {
            let db = try await seeded(kind)
            try await db.transaction { try await $0.raw("UPDATE audit_events SET after_json = '{\"n\":0}' WHERE seq = \(bind: seq)").run() }
            guard case let .broken(at, reason, _) = try await verify(db) else { Issue.record("edit of \(seq) not detected"); continue }
            #expect(at == Int64(seq))
            #expect(reason.contains("edited"))
            await db.close()
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func deletingAnyRowIsNamed(kind: String) async throws {
        for seq in 1...6 {
            let db = try await seeded(kind)
            try await db.transaction { try await $0.raw("DELETE FROM audit_events WHERE seq = \(bind: seq)").run() }
            guard case let .broken(at, reason, _) = try await verify(db) else { Issue.record("delete of \(seq) not detected"); continue }
            #expect(at == Int64(seq))
            #expect(reason.contains("deleted"))
            await db.close()
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func reorderingRowsIsNamed(kind: String) async throws {
        let db = try await seeded(kind)
        defer { Task { await db.close() } }
        // Swap the content (and hashes) of events 3 and 4, keeping their sequence numbers.
        try await db.transaction { sql in
            try await sql.raw("UPDATE audit_events SET seq = -3 WHERE seq = 3").run()
            try await sql.raw("UPDATE audit_events SET seq = 3 WHERE seq = 4").run()
            try await sql.raw("UPDATE audit_events SET seq = 4 WHERE seq = -3").run()
        }
        guard case let .broken(at, _, _) = try await verify(db) else { Issue.record("reorder not detected"); return }
        #expect(at == 3)
    }
}
