import BrokerCore
import Foundation
import Hummingbird
import Identity
import LedgerCore
import Money
import SQLKit
import Platform

/// The JSON API, `/api/v1`. Every route is in the permission table and in the
/// OpenAPI document; every money call is idempotent by its key.
struct APIRoutes {
    let services: AppServices

    func register(_ routes: SecuredRoutes) {
        routes.get("/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        routes.get("/api/v1/me") { _, context in
            guard let user = context.user else { throw UserFacingError(.unauthorized, "not authenticated") }
            return try Self.json(MeResponse(id: user.id.rawValue, kind: user.kind.rawValue, email: user.email, name: user.displayName,
                                            role: user.role?.rawValue, scopes: context.apiScopes.map { $0.map(\.rawValue).sorted() }))
        }
        routes.get("/api/v1/ledger/accounts") { _, context in
            try Self.require(.read, context)
            return try Self.json(["accounts": try await self.services.ledger.accounts()])
        }
        routes.get("/api/v1/ledger/statement") { request, context in
            try Self.require(.read, context)
            guard let code = request.uri.queryParameters.get("account") else { throw UserFacingError(.badRequest, "account: a ledger account code is required") }
            let account: LedgerAccount
            do { account = try LedgerAccount(code: String(code)) } catch { throw UserFacingError(.badRequest, "account: \(error)") }
            let before = try request.uri.queryParameters.get("before").map { text -> Int64 in
                guard let id = Int64(text), id > 0 else { throw UserFacingError(.badRequest, "before must be a posting id") }
                return id
            }
            let limit = request.uri.queryParameters.get("limit") == nil ? 50 : try Self.limit(request)
            return try Self.json(try await self.services.ledger.statement(of: account, before: before, limit: limit))
        }
        routes.get("/api/v1/ledger/transactions") { request, context in
            try Self.require(.read, context)
            let limit = try Self.limit(request)
            return try Self.json(["transactions": try await self.services.ledger.recentTransactions(limit: limit)])
        }
        routes.post("/api/v1/ledger/transactions") { request, context in
            try Self.require(.ledgerWrite, context)
            return try await self.postTransaction(request, context)
        }
        routes.get("/api/v1/audit/events") { request, context in
            try Self.require(.read, context)
            let limit = try Self.limit(request)
            let entityType = request.uri.queryParameters.get("entity_type").map { String($0) }
            let entityID = request.uri.queryParameters.get("entity_id").map { String($0) }
            let events = try await self.services.db.read { sql in try await AuditLog.recent(on: sql, limit: limit, entityType: entityType, entityID: entityID) }
            return try Self.json(["events": events])
        }
        routes.get("/api/v1/jobs") { request, context in
            try Self.require(.read, context)
            let status = try request.uri.queryParameters.get("status").map { text -> JobStatus in
                guard let status = JobStatus(rawValue: String(text)) else { throw UserFacingError(.badRequest, "status must be one of pending, running, done, dead") }
                return status
            }
            return try Self.json(["jobs": try await self.services.jobs.list(status: status, limit: try Self.limit(request))])
        }
    }

    /// Posts one balanced transaction. The idempotency key comes from the
    /// `Idempotency-Key` header or the body; a replay answers 200 with the same
    /// outcome, a reused key with other content 409.
    func postTransaction(_ request: Request, _ context: AppContext) async throws -> Response {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/json") else {
            throw UserFacingError(.unsupportedMediaType, "send the transaction as application/json")
        }
        let body = try await request.body.collect(upTo: 256 * 1024)
        let input = try JSONDecoder().decode(TransactionRequest.self, from: Data(buffer: body))
        guard let key = request.headers[.idempotencyKey] ?? input.idempotencyKey else {
            throw UserFacingError(.badRequest, "an idempotency key is required (Idempotency-Key header or idempotency_key field)")
        }
        guard (2...100).contains(input.postings.count) else { throw UserFacingError(.badRequest, "postings: between 2 and 100 are allowed") }
        let postings = try input.postings.enumerated().map { index, posting -> Posting in
            let account: LedgerAccount
            do { account = try LedgerAccount(code: posting.account) } catch {
                throw UserFacingError(.badRequest, "postings[\(index)].account: \(error)")
            }
            let amount: Money
            do { amount = try Money(parsing: posting.amount, currency: account.currency) } catch {
                throw UserFacingError(.badRequest, "postings[\(index)].amount: \(error)")
            }
            return Posting(account: account, amount: amount.minorUnits)
        }
        let transaction = LedgerTransaction(idempotencyKey: key, kind: String(input.kind.prefix(64)), memo: String((input.memo ?? "").prefix(500)),
                                            occurredAt: input.occurredAt ?? services.clock.nowMicros(), postings: postings)
        let audit = context.audit.entry("ledger.post", entityType: "ledger_transaction", entityID: key,
                                        after: "{\"kind\":\(JSONText.quote(transaction.kind)),\"postings\":\(postings.count)}")
        let outcome = try await services.ledger.post(transaction, audit: audit)
        if outcome == .keyConflict {
            throw UserFacingError(.conflict, "idempotency key \(key) was already used for a different transaction")
        }
        var response = try Self.json(TransactionResponse(idempotencyKey: key, outcome: outcome.rawValue))
        response.status = outcome == .posted ? HTTPResponse.Status.created : .ok
        return response
    }

    static func require(_ scope: ApiScope, _ context: AppContext) throws {
        guard let scopes = context.apiScopes else { return }   // session users act with their role
        guard scopes.contains(scope) || scopes.contains(.admin) else {
            throw UserFacingError(.forbidden, "this API key lacks the \(scope.rawValue) scope")
        }
    }

    static func limit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 100 }
        guard let value = Int(text), (1...1_000).contains(value) else { throw UserFacingError(.badRequest, "limit must be an integer from 1 to 1000") }
        return value
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }
}

struct MeResponse: Encodable {
    let id, kind, email, name: String
    let role: String?
    let scopes: [String]?
}

struct TransactionRequest: Decodable {
    struct PostingInput: Decodable {
        let account: String
        let amount: String
    }
    let idempotencyKey: String?
    let kind: String
    let memo: String?
    let occurredAt: Int64?
    let postings: [PostingInput]

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key", kind, memo, occurredAt = "occurred_at", postings
    }
}

struct TransactionResponse: Encodable {
    let idempotencyKey: String
    let outcome: String
}
