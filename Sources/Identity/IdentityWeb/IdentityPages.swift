import BrokerCore
import Hummingbird
import Identity
import WebKit

/// Identity's pages on every surface (login, logout, password reset, two-factor) and
/// in the back office (users, audit trail, job queue, brands, API keys), with the
/// foundation's JSON API (`/api/v1/me`, audit events, jobs).
public struct IdentityPages: WebSlice {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public static let permissions: [RoutePermission] = {
        var rules: [RoutePermission] = []
        // Login, logout, password reset: on each surface, open to all (pages decide what to show).
        for surface in Surface.allCases {
            let base = surface.basePath
            rules += [
                .init(.get, "\(base)/login", RoutePermission.everyone),
                .init(.post, "\(base)/login", RoutePermission.everyone),
                .init(.post, "\(base)/logout", RoutePermission.everyone),
                .init(.get, "\(base)/password-reset", RoutePermission.everyone),
                .init(.post, "\(base)/password-reset", RoutePermission.everyone),
                .init(.get, "\(base)/password-reset/confirm", RoutePermission.everyone),
                .init(.post, "\(base)/password-reset/confirm", RoutePermission.everyone),
                .init(.get, "\(base)/invitation", RoutePermission.everyone),
                .init(.get, "\(base)/profile", Self.own(surface)),
                .init(.post, "\(base)/profile", Self.own(surface)),
                .init(.post, "\(base)/invitation", RoutePermission.everyone),
            ]
        }
        return rules + [
            .init(.get, "/admin/2fa", RoutePermission.everyone),
            .init(.post, "/admin/2fa", RoutePermission.everyone),
            .init(.get, "/admin/users", RoutePermission.staff(.admin, .compliance)),
            .init(.post, "/admin/users/invite", RoutePermission.staff(.admin)),
            .init(.get, "/admin/users/:id", RoutePermission.staff(.admin, .compliance)),
            .init(.post, "/admin/users/:id/role", RoutePermission.staff(.admin)),
            .init(.post, "/admin/users/:id/status", RoutePermission.staff(.admin)),
            .init(.post, "/admin/users/:id/reset-2fa", RoutePermission.staff(.admin)),
            .init(.post, "/admin/users/:id/expire-password", RoutePermission.staff(.admin)),
            .init(.post, "/admin/users/:id/resend", RoutePermission.staff(.admin)),
            .init(.get, "/admin/audit", RoutePermission.staff(.admin, .compliance)),
            .init(.get, "/admin/brands", RoutePermission.staff(.admin)),
            .init(.get, "/admin/brands/:id", RoutePermission.staff(.admin)),
            .init(.post, "/admin/brands/:id", RoutePermission.staff(.admin)),
            .init(.get, "/admin/jobs", RoutePermission.staff(.admin)),
            .init(.post, "/admin/jobs/:id/retry", RoutePermission.staff(.admin)),
            .init(.get, "/admin/api-keys", RoutePermission.allStaff),
            .init(.post, "/admin/api-keys", RoutePermission.allStaff),
            .init(.post, "/admin/api-keys/:id/revoke", RoutePermission.allStaff),
            .init(.get, "/api/v1/me", RoutePermission.authenticated),
            .init(.get, "/api/v1/audit/events", RoutePermission.staff(.admin, .compliance)),
            .init(.get, "/api/v1/jobs", RoutePermission.staff(.admin)),
        ]
    }()

    /// Who has a profile on a surface: the people who log in to it.
    static func own(_ surface: Surface) -> Set<Principal> {
        switch surface {
        case .admin: RoutePermission.allStaff
        case .portal: [.trader]
        case .partners: [.partner]
        }
    }

    public static let menu = [
        MenuItem(.admin, "/admin/users", label: "nav_users", rank: 10),
        MenuItem(.admin, "/admin/audit", label: "nav_audit", rank: 60),
        MenuItem(.admin, "/admin/jobs", label: "nav_jobs", rank: 70),
        MenuItem(.admin, "/admin/brands", label: "nav_brands", rank: 150),
        MenuItem(.admin, "/admin/api-keys", label: "nav_api_keys", rank: 160),
    ]

    public func register(_ routes: SecuredRoutes) {
        AuthRoutes(services: services, renderer: routes.renderer).register(routes)
        AdminRoutes(services: services, renderer: routes.renderer).register(routes)
        UserRoutes(services: services, renderer: routes.renderer).register(routes)
        ProfileRoutes(services: services, renderer: routes.renderer).register(routes)
        BrandRoutes(services: services, renderer: routes.renderer).register(routes)
        APIRoutes(services: services).register(routes)
    }
}
