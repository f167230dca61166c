import Foundation
import BrokerCore
import Hummingbird
import Identity
import Logging
import Platform

/// Per-request state every handler can read: who is asking, through which brand
/// and language, under which request id.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID = ""
    /// The request's path, so pages can mark where the person is in the menu.
    public var path = ""
    public var clientIP = ""
    public var brand: Brand?
    public var language: Language = .en
    /// The signed-in person's time zone (UTC for everyone else).
    public var timeZone: TimeZone = .gmt
    /// Set when `?lang=` asked for a language: stored in a cookie on the response.
    public var languageCookie: String?
    public var user: User?
    public var session: Session?
    /// A staff member who passed the password but still owes the second factor.
    public var pendingSecondFactorUser: User?
    /// Set when the request authenticated with an API key.
    public var apiScopes: Set<ApiScope>?
    /// The token forms on this page must carry.
    public var csrfToken = ""
    /// A new pre-session CSRF cookie to set on the response.
    public var newCSRFCookie: String?
    /// The form fields of a POST, parsed once after its CSRF token was checked.
    public var form = FormFields()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var principal: Principal { user?.principal ?? .anonymous }

    public var audit: AuditContext {
        AuditContext(actor: user?.actor ?? pendingSecondFactorUser?.actor ?? "anonymous", requestID: requestID, ip: clientIP)
    }

    /// Bodies larger than this are refused with 413 before they are read.
    public var maxUploadSize: Int { 1 << 20 }
}
