import BrokerCore
import Commissions
import Identity
import Partners
import Trading
import WebKit

/// What the partner pages read: the shared web services, the partner book, the
/// commissions it earns, and the trading accounts it can be attributed.
struct PartnersWebServices: Sendable {
    let web: WebServices
    let partners: BookBuilder
    let commissions: CommissionServices
    let trading: TradingServices

    var clock: any PipstackClock { web.clock }
    var identity: IdentityService { web.identity }
    var localization: Localization { web.localization }
    var cpa: CPASettlement { commissions.cpa }
}
