import BrokerCore
import Platform
import SQLKit

extension TradingAccountStore {
    /// Links many accounts that already exist on a trade server to their clients at
    /// once, as a broker moving from another CRM brings them (and as the page benchmark
    /// seeds them): active from the start, one multi-row insert per 500 in one
    /// transaction, an account already known left as it is, and one audit event naming
    /// how many came in. Returns how many were linked.
    public func importExisting(_ records: [TradingAccountRecord], audit: AuditContext) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        let now = clock.nowMicros()
        let dialect = db.dialect
        return try await db.transaction { sql in
            var linked = 0
            for start in stride(from: 0, to: records.count, by: 500) {
                let values: [SQLQueryString] = records[start..<min(start + 500, records.count)].map { record in
                    """
                    (\(bind: record.serverID), \(bind: Int64(bitPattern: record.login.value)), \(bind: record.userID), \(bind: record.accountTypeID),
                     \(bind: record.group), \(bind: record.currency), \(bind: record.leverage), 'active', \(bind: record.tradingEnabled ? 1 : 0),
                     \(bind: "import:\(record.reference)"), '', \(bind: record.createdAt), \(bind: now))
                    """
                }
                let query: SQLQueryString = """
                    INSERT INTO trading_accounts (server_id, login, user_id, account_type_id, mt_group, currency, leverage, status,
                        trading_enabled, request_id, last_error, created_at, updated_at) VALUES
                    """ + values.joined(separator: ", ") + " ON CONFLICT DO NOTHING RETURNING login"
                linked += try await sql.raw(query).all().count
            }
            try await AuditLog.append(audit.entry("trading_account.import", entityType: "trade_server", entityID: records[0].serverID.rawValue,
                                                  after: "{\"imported\":\(linked),\"skipped\":\(records.count - linked)}"), at: now, on: sql, dialect: dialect)
            return linked
        }
    }
}
