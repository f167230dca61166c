import BrokerCore
import Foundation
import SQLKit

/// The words a user is found by, kept in `user_search_terms` so that searching the
/// client list is an index range scan rather than a scan of every user: the email, its
/// domain, the whole name and each word of it, lower-cased. A search matches a term
/// from its start ("maria", "maria gar", "maria@", "example.com"), as staff type them.
/// Names and emails do not change after registration; a user's terms are written with
/// the user, in the same transaction.
enum UserSearchTerms {
    /// Longer terms are cut: the index stays small and nobody types more.
    static let maximumLength = 120

    static func terms(email: String, displayName: String) -> Set<String> {
        let email = email.lowercased()
        let name = displayName.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        var terms: Set<String> = [email, name]
        if let at = email.firstIndex(of: "@") { terms.insert(String(email[email.index(after: at)...])) }
        for word in name.split(separator: " ") { terms.insert(String(word)) }
        return Set(terms.map { String($0.prefix(maximumLength)) }.filter { !$0.isEmpty })
    }

    /// Writes the terms of each (user, email, name) in the caller's transaction.
    static func insert(_ users: [(id: UserID, email: String, displayName: String)], on sql: any SQLDatabase) async throws {
        let rows = users.flatMap { user in terms(email: user.email, displayName: user.displayName).sorted().map { (term: $0, user: user.id) } }
        for start in stride(from: 0, to: rows.count, by: 500) {
            let values: [SQLQueryString] = rows[start..<min(start + 500, rows.count)].map { "(\(bind: $0.term), \(bind: $0.user.rawValue))" }
            try await sql.raw("INSERT INTO user_search_terms (term, user_id) VALUES " + values.joined(separator: ", ") + " ON CONFLICT DO NOTHING").run()
        }
    }

    /// The bounds of the terms starting with `prefix`: [prefix, prefix + U+10FFFF), which
    /// holds every string with that prefix in byte order (the column sorts bytewise).
    static func range(of prefix: String) -> (from: String, before: String) {
        let prefix = String(prefix.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(maximumLength))
        return (prefix, prefix + "\u{10FFFF}")
    }
}
