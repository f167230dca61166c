import BrokerCore
import Foundation
import Identity
import Logging
import Platform

/// A re-read of a range of one server's deals, asked for by staff (after a server
/// restore, a gap found by reconciliation): queued as a job, run over its own
/// connection, storing what is missing and new versions of deals the server changed
/// (corrections, cancellations); the sync cursor does not move.
public struct DealResync: Sendable {
    public static let jobKind = "trading.resync"

    public struct Request: Codable, Sendable, Equatable {
        public var serverID: ServerID
        /// Server time, seconds, inclusive.
        public var from: Int64
        public var to: Int64

        public init(serverID: ServerID, from: Int64, to: Int64) {
            self.serverID = serverID
            self.from = from
            self.to = to
        }
    }

    let servers: TradeServerStore
    let deals: DealStore
    let logger: Logger

    public init(servers: TradeServerStore, deals: DealStore, logger: Logger) {
        self.servers = servers
        self.deals = deals
        self.logger = logger
    }

    /// Queues a re-sync, audited; at most 31 days at a time.
    public func enqueue(_ request: Request, audit: AuditContext, clock: any PipstackClock) async throws {
        guard try await servers.server(request.serverID) != nil else { throw FieldValidationError(field: "server", message: "no trade server \(request.serverID)") }
        guard request.from <= request.to, request.to - request.from <= 31 * 86_400 else {
            throw FieldValidationError(field: "to", message: "a range of at most 31 days, ending after it starts")
        }
        let payload = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        let now = clock.nowMicros()
        let db = deals.db
        let dialect = db.dialect
        try await db.transaction { sql in
            try await JobQueue.enqueue(kind: Self.jobKind, payload: payload, id: "job_resync_\(Tokens.random(bytes: 8))", now: now, on: sql)
            try await AuditLog.append(audit.entry("deal_sync.resync_requested", entityType: "trade_server", entityID: request.serverID, after: payload),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Runs a queued re-sync; returns how many deals it stored (missing or changed).
    @discardableResult
    public func run(payload: String) async throws -> Int {
        let request = try JSONDecoder().decode(Request.self, from: Data(payload.utf8))
        guard let server = try await servers.server(request.serverID) else { throw FieldValidationError(field: "server", message: "no trade server \(request.serverID)") }
        let client = server.client(logger: logger)
        defer { Task { await client.disconnect() } }
        let sync = DealSync(serverID: server.id, platform: client, store: deals, settings: .init(groupMask: server.groupMask), logger: logger)
        let stored = try await sync.resync(from: request.from, to: request.to)
        logger.info("deal re-sync finished", metadata: ["server": "\(server.id)", "from": "\(request.from)", "to": "\(request.to)", "stored": "\(stored)"])
        return stored
    }
}
