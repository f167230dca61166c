import SQLKit
import Platform

enum AuditLogQuery {
    static func actions(on sql: any SQLDatabase) async throws -> [String] {
        try await AuditLog.recent(on: sql, limit: 1_000).map(\.entry.action)
    }
}
