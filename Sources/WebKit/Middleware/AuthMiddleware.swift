import Foundation
import BrokerCore
import Hummingbird
import Identity
import Platform

/// Finds who is asking (session cookie of the surface, or an API key), sets the CSRF
/// token forms must carry, and checks that token on every state-changing request
/// before any handler runs.
package struct AuthMiddleware: RouterMiddleware {
    package typealias Context = AppContext
    package let services: WebServices

    package init(services: WebServices) { self.services = services }

    package func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        let unsafe = ![.get, .head, .options].contains(request.method)
        if path.hasPrefix("/api/") {
            try await authenticateAPI(request, &context)
            if unsafe, context.apiScopes == nil, let session = context.session {
                guard let sent = request.headers[.csrfToken], Tokens.constantTimeEquals(sent, session.csrfToken) else {
                    throw UserFacingError(.forbidden, "session-authenticated API calls that change data need the X-CSRF-Token header")
                }
            }
            return try await next(request, context)
        }
        guard let surface = Surface.of(path: path) else { return try await next(request, context) }
        if let token = request.cookies[surface.cookieName]?.value, let session = try await services.sessions.find(token: token),
           session.surface == surface.rawValue, let user = try await services.identity.user(id: session.userID),
           user.kind == surface.principalKind, user.status == "active" {
            if services.identity.policy.requiresTwoFactor(user) && !session.secondFactorOK {
                context.pendingSecondFactorUser = user
            } else {
                context.user = user
                try await Self.applyPreferences(of: user, request: request, to: &context, identity: services.identity)
            }
            context.session = session
            context.csrfToken = session.csrfToken
        } else if let cookie = request.cookies["ps_csrf"]?.value, cookie.count == 48 {
            context.csrfToken = cookie
        } else {
            context.csrfToken = Tokens.random(bytes: 24)
            context.newCSRFCookie = context.csrfToken
        }
        if unsafe {
            let contentType = request.headers[.contentType] ?? ""
            guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
                throw UserFacingError(.unsupportedMediaType, "forms must be sent as application/x-www-form-urlencoded")
            }
            let body = try await request.body.collect(upTo: FormBody.limit)
            let fields = FormBody.parse(String(buffer: body))
            guard let sent = fields["_csrf"], Tokens.constantTimeEquals(sent, context.csrfToken) else {
                throw UserFacingError(.forbidden, services.localization.text("csrf_failed", context.language))
            }
            context.form = fields
        }
        var response = try await next(request, context)
        if let token = context.newCSRFCookie {
            response.setCookie(Cookie(name: "ps_csrf", value: token, path: "/", secure: services.settings.secureCookies, httpOnly: true, sameSite: .strict))
        }
        return response
    }

    private func authenticateAPI(_ request: Request, _ context: inout AppContext) async throws {
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "),
                  let (userID, scopes) = try await services.apiKeys.authenticate(String(authorization.dropFirst(7))),
                  let user = try await services.identity.user(id: userID), user.status == "active"
            else { throw UserFacingError(.unauthorized, "the API key is missing, malformed, unknown or revoked") }
            context.user = user
            context.apiScopes = scopes
            return
        }
        for surface in Surface.allCases {
            guard let token = request.cookies[surface.cookieName]?.value,
                  let session = try await services.sessions.find(token: token),
                  let user = try await services.identity.user(id: session.userID), user.kind == surface.principalKind,
                  user.status == "active", !services.identity.policy.requiresTwoFactor(user) || session.secondFactorOK
            else { continue }
            context.user = user
            context.session = session
            context.csrfToken = session.csrfToken
            return
        }
    }

    /// A signed-in person reads pages in their own language and time zone; choosing a
    /// language on a page (`?lang=`) makes it theirs.
    static func applyPreferences(of user: User, request: Request, to context: inout AppContext, identity: IdentityService) async throws {
        let offered = context.brand?.languages ?? Language.allCases
        if let requested = request.uri.queryParameters.get("lang").flatMap({ Language(rawValue: String($0)) }), offered.contains(requested) {
            if user.language != requested.rawValue { try await identity.rememberLanguage(userID: user.id, requested) }
        } else if let own = user.language.flatMap(Language.init(rawValue:)), offered.contains(own) {
            context.language = own
        }
        context.timeZone = user.timeZone.flatMap { TimeZone(identifier: $0) } ?? .gmt
    }
}
