import BrokerCore
import Hummingbird

/// Query parameters read strictly: absent or empty means "not given", and anything
/// else that does not parse is refused with a 400 that names the parameter and what
/// it takes, instead of being silently ignored.
package enum QueryParameters {
    /// The parameter's text, nil when absent or empty.
    package static func text(_ request: Request, _ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name).map({ String($0) }), !value.isEmpty else { return nil }
        return value
    }

    /// One of a closed set of values (a status, a kind).
    package static func choice<T: RawRepresentable & CaseIterable>(_ request: Request, _ name: String, as type: T.Type) throws -> T?
    where T.RawValue == String {
        guard let text = text(request, name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw UserFacingError(.badRequest, "\(name): \"\(text.prefix(40))\" is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A calendar day (YYYY-MM-DD) as the second it starts, UTC.
    package static func day(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = text(request, name) else { return nil }
        guard let seconds = CivilDay.start(text) else {
            throw UserFacingError(.badRequest, "\(name): \"\(text.prefix(40))\" is not a day; write it as YYYY-MM-DD")
        }
        return seconds
    }
}
