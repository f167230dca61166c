import BrokerCore
import Commissions
import Identity
import Partners
import WebKit

/// What the commission pages read: the shared web services, this slice's services,
/// and the partner book whose plans they edit.
struct CommissionsWebServices: Sendable {
    let web: WebServices
    let commissions: CommissionServices
    let partners: BookBuilder

    var clock: any PipstackClock { web.clock }
    var identity: IdentityService { web.identity }
    var localization: Localization { web.localization }
    var payouts: PayoutStore { commissions.payouts }
    var cpa: CPASettlement { commissions.cpa }
}

extension CommissionsWebServices {
    /// Every partner's name by id: pages show partners by name.
    func partnerNames() async throws -> [PartnerID: String] {
        Dictionary(try await partners.partners.all().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}
