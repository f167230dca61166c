import Hummingbird
import Partners
import WebKit

/// The partner whose user is logged in: every partner-portal page shows only its own data.
package enum PortalPartner {
    package static func of(_ context: AppContext, partners: BookBuilder) async throws -> Partner {
        guard let user = context.user else { throw UserFacingError(.unauthorized, "log in first") }
        guard let partner = try await partners.partners.partner(userID: user.id.rawValue) else {
            throw UserFacingError(.notFound, "no partner account is linked to your login; ask your partner manager")
        }
        return partner
    }
}
