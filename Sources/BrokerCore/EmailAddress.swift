/// The one check of what counts as an email address, for users and partners alike:
/// lower-cased and trimmed, one `@`, a dot in the domain, no spaces or brackets.
public enum EmailAddress {
    /// The address as stored, or nil when `text` is not one.
    public static func normalised(_ text: String) -> String? {
        let email = String(text.lowercased().drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "," || $0 == ";" })
        else { return nil }
        return email
    }
}
