import BrokerCore
import Foundation
import Hummingbird
import Identity
import Platform
import WebKit

/// The foundation's JSON API: who am I, the audit trail, the job queue.
struct APIRoutes {
    let services: WebServices

    func register(_ routes: SecuredRoutes) {
        routes.get("/api/v1/me") { _, context in
            guard let user = context.user else { throw UserFacingError(.unauthorized, "not authenticated") }
            return try API.json(MeResponse(id: user.id.rawValue, kind: user.kind.rawValue, email: user.email, name: user.displayName,
                                            role: user.role?.rawValue, scopes: context.apiScopes.map { $0.map(\.rawValue).sorted() }))
        }
        routes.get("/api/v1/audit/events") { request, context in
            try API.require(.read, context)
            let limit = try API.limit(request)
            let entityType = request.uri.queryParameters.get("entity_type").map { String($0) }
            let entityID = request.uri.queryParameters.get("entity_id").map { String($0) }
            let events = try await self.services.db.read { sql in try await AuditLog.recent(on: sql, limit: limit, entityType: entityType, entityID: entityID) }
            return try API.json(["events": events])
        }
        routes.get("/api/v1/jobs") { request, context in
            try API.require(.read, context)
            let status = try request.uri.queryParameters.get("status").map { text -> JobStatus in
                guard let status = JobStatus(rawValue: String(text)) else { throw UserFacingError(.badRequest, "status must be one of pending, running, done, dead") }
                return status
            }
            return try API.json(["jobs": try await self.services.jobs.list(status: status, limit: try API.limit(request))])
        }
    }
}

struct MeResponse: Encodable {
    let id, kind, email, name: String
    let role: String?
    let scopes: [String]?
}
