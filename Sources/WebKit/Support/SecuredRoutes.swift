import BrokerCore
import Hummingbird
import Platform

/// Registers routes only through the permission table: each handler runs after the
/// principal is checked against `PermissionTable`. Anonymous users are sent to the
/// surface's login (pages) or get 401 (API); others get 403.
public final class SecuredRoutes: @unchecked Sendable {
    // Mutated only while the router is being built, before serving starts.
    package let router: Router<AppContext>
    public let renderer: PageRenderer
    public let services: WebServices
    package let table: PermissionTable
    public private(set) var registered: [String] = []

    public init(router: Router<AppContext>, renderer: PageRenderer, services: WebServices, table: PermissionTable) {
        self.router = router
        self.renderer = renderer
        self.services = services
        self.table = table
    }

    public func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response) {
        registered.append("\(method.rawValue) \(path)")
        let rule = table.rule(method, path)
        let renderer = renderer
        let services = services
        router.on(RouterPath(path), method: method) { request, context -> Response in
            guard let rule, rule.allowed.contains(context.principal) else {
                return try SecuredRoutes.deny(request, context, renderer: renderer, services: services)
            }
            return try await handler(request, context)
        }
    }

    public func get(_ path: String, _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response) { on(.get, path, handler) }
    public func post(_ path: String, _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response) { on(.post, path, handler) }

    package static func deny(_ request: Request, _ context: AppContext, renderer: PageRenderer, services: WebServices) throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/api/") || request.method != .get {
            throw context.principal == .anonymous
                ? UserFacingError(.unauthorized, "log in or send an API key (Authorization: Bearer psk_...)")
                : UserFacingError(.forbidden, "your role may not use \(request.method.rawValue) \(path)")
        }
        if context.principal == .anonymous, let surface = Surface.of(path: path) {
            if surface == .admin, context.pendingSecondFactorUser != nil { return renderer.redirect("/admin/2fa") }
            return renderer.redirect("\(surface.basePath)/login")
        }
        let t = services.localization
        return renderer.render("message", title: t.text("forbidden_title", context.language), surface: Surface.of(path: path),
                               context: context, status: .forbidden, data: ["message": t.text("forbidden", context.language)])
    }
}
