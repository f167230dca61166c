import PostgresNIO

/// What a person reads about a failed database call: the database's own words.
/// PostgresNIO's `PSQLError` prints only "Generic description to prevent accidental
/// leakage"; the server's message, SQLSTATE, table and constraint are what tell a
/// person what to do. The statement's detail (which can quote row values) and the
/// connection's settings (the password) are left out.
public enum DatabaseMessage {
    public static func of(_ error: any Error) -> String {
        if let error = error as? PSQLError { return describe(error) }
        if let error = error as? PostgresTransactionError {
            if let failure = error.closureError ?? error.beginError ?? error.commitError { return of(failure) }
            if let rollback = error.rollbackError { return of(rollback) }
        }
        return String(describing: error)
    }

    static func describe(_ error: PSQLError) -> String {
        guard let info = error.serverInfo, let message = info[.message] else {
            return "PostgreSQL: \(error.code)"
        }
        var text = "PostgreSQL: \(message)"
        if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
        if let table = info[.tableName] { text += "; table \(table)" }
        if let constraint = info[.constraintName] { text += "; constraint \(constraint)" }
        if let hint = info[.hint] { text += "; hint: \(hint)" }
        return text
    }
}
