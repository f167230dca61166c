import BrokerCore
import Hummingbird
import Identity
import Platform
import WebKit

/// Login, logout, password reset and (back office) two-factor verification, the
/// same on every surface.
struct AuthRoutes {
    let services: WebServices
    let renderer: PageRenderer

    func register(_ routes: SecuredRoutes) {
        for surface in Surface.allCases {
            let base = surface.basePath
            routes.get("\(base)/login") { request, context in
                self.loginPage(surface, context, flash: request.uri.queryParameters.get("welcome") == "1" ? self.text("invitation_done", context) : nil)
            }
            routes.post("\(base)/login") { request, context in try await self.login(surface, request, context) }
            routes.post("\(base)/logout") { _, context in try await self.logout(surface, context) }
            routes.get("\(base)/password-reset") { _, context in
                self.renderer.render("reset_request", title: self.text("reset_title", context), surface: surface, context: context)
            }
            routes.post("\(base)/password-reset") { _, context in try await self.requestReset(surface, context) }
            routes.get("\(base)/password-reset/confirm") { request, context in
                let token = request.uri.queryParameters.get("token").map { String($0) } ?? ""
                return self.renderer.render("reset_confirm", title: self.text("reset_title", context), surface: surface, context: context, data: ["token": token])
            }
            routes.post("\(base)/password-reset/confirm") { _, context in try await self.confirmReset(surface, context) }
        }
        routes.get("/admin/2fa") { _, context in try await self.twoFactorPage(context, error: nil) }
        routes.post("/admin/2fa") { _, context in try await self.verifyTwoFactor(context) }
    }

    func text(_ key: String, _ context: AppContext) -> String { services.localization.text(key, context.language) }

    func loginPage(_ surface: Surface, _ context: AppContext, error: String? = nil, email: String = "", status: HTTPResponse.Status = .ok,
                   flash: String? = nil) -> Response {
        if context.user != nil, error == nil { return renderer.redirect(surface.basePath) }
        var data: [String: Any] = ["email": email]
        if let flash { data["flash"] = flash }
        if let error { data["error"] = error }
        return renderer.render("login", title: text("\(surface.rawValue)_login", context), surface: surface, context: context, status: status, data: data)
    }

    func login(_ surface: Surface, _ request: Request, _ context: AppContext) async throws -> Response {
        let email = context.form["email"] ?? ""
        let password = context.form["password"] ?? ""
        guard await services.throttle.allow(context.clientIP) else {
            return loginPage(surface, context, error: text("throttled", context), email: email, status: .tooManyRequests)
        }
        switch try await services.identity.verifyPassword(email: email, password: password, kind: surface.principalKind, audit: context.audit) {
        // A locked account gets the answer an unknown email gets, so the page tells no one
        // which emails have accounts; the lock itself stays (and is audited).
        case .invalid, .locked:
            return loginPage(surface, context, error: text("invalid_login", context), email: email, status: .unauthorized)
        case let .ok(user):
            // A fresh session (and token) at every login: an old or planted one is never reused.
            if let old = context.session { try await services.sessions.end(old, audit: context.audit) }
            let needsSecondFactor = services.identity.policy.requiresTwoFactor(user)
            let (token, _) = try await services.sessions.create(user: user, surface: surface.rawValue, secondFactorOK: !needsSecondFactor,
                                                                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", audit: context.audit)
            var response = renderer.redirect(needsSecondFactor ? "/admin/2fa" : surface.basePath)
            response.setCookie(sessionCookie(surface, token))
            return response
        }
    }

    func sessionCookie(_ surface: Surface, _ token: String) -> Cookie {
        Cookie(name: surface.cookieName, value: token, path: "/", secure: services.settings.secureCookies, httpOnly: true, sameSite: .lax)
    }

    func logout(_ surface: Surface, _ context: AppContext) async throws -> Response {
        if let session = context.session { try await services.sessions.end(session, audit: context.audit) }
        var response = renderer.redirect("\(surface.basePath)/login")
        response.setCookie(Cookie(name: surface.cookieName, value: "", maxAge: 0, path: "/", secure: services.settings.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func requestReset(_ surface: Surface, _ context: AppContext) async throws -> Response {
        let email = context.form["email"] ?? ""
        let publicURL = services.settings.publicURL
        try await services.resets.request(email: email, kind: surface.principalKind,
                                          resetURL: { "\(publicURL)\(surface.basePath)/password-reset/confirm?token=\($0)" },
                                          audit: context.audit)
        return renderer.render("message", title: text("reset_sent_title", context), surface: surface, context: context,
                               data: ["message": text("reset_sent", context)])
    }

    func confirmReset(_ surface: Surface, _ context: AppContext) async throws -> Response {
        let token = context.form["token"] ?? ""
        do {
            _ = try await services.resets.complete(token: token, newPassword: context.form["password"] ?? "", audit: context.audit)
        } catch let error as IdentityError {
            let message = error == .invalidToken ? text("reset_invalid", context) : text("password_too_weak", context)
            return renderer.render("reset_confirm", title: text("reset_title", context), surface: surface, context: context,
                                   status: .badRequest, data: ["token": token, "error": message])
        }
        return renderer.render("message", title: text("reset_title", context), surface: surface, context: context,
                               data: ["message": text("reset_done", context), "link": ["href": "\(surface.basePath)/login", "label": text("login", context)]])
    }

    /// Enrolment when the user has no TOTP yet, verification otherwise.
    func twoFactorPage(_ context: AppContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let user = context.pendingSecondFactorUser else {
            return renderer.redirect(context.user == nil ? "/admin/login" : "/admin")
        }
        var data: [String: Any] = ["action": "/admin/2fa"]
        if let error { data["error"] = error }
        if !user.totpEnabled {
            let secret = try await services.identity.beginTOTPEnrolment(userID: user.id)
            data["setup"] = ["secret": secret, "url": TOTPCheck.provisioningURL(secret: secret, account: user.email, issuer: context.brand?.name ?? "Pipstack")]
        }
        let title = text(user.totpEnabled ? "two_factor_title" : "two_factor_setup_title", context)
        return renderer.render("twofactor", title: title, surface: .admin, context: context, status: status, data: data)
    }

    func verifyTwoFactor(_ context: AppContext) async throws -> Response {
        guard let user = context.pendingSecondFactorUser, let session = context.session else { return renderer.redirect("/admin/login") }
        let code = context.form["code"] ?? ""
        let ok = user.totpEnabled
            ? try await services.identity.checkTOTP(userID: user.id, code: code)
            : try await services.identity.confirmTOTP(userID: user.id, code: code, audit: context.audit)
        guard ok else {
            var retry = context
            if !user.totpEnabled { retry.pendingSecondFactorUser = user }
            return try await twoFactorPage(retry, error: text("totp_invalid", context), status: .unauthorized)
        }
        try await services.sessions.markSecondFactor(session)
        return renderer.redirect("/admin")
    }
}
