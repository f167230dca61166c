import BrokerCore
import Hummingbird
import Identity
import Platform

/// Builds the data every page shares (brand, language, user, navigation) and renders
/// a template into an HTML response. Mustache escapes every `{{value}}`.
public struct PageRenderer: Sendable {
    package let services: WebServices
    package let table: PermissionTable
    package let menu: [MenuItem]

    public init(services: WebServices, table: PermissionTable, menu: [MenuItem]) {
        self.services = services
        self.table = table
        self.menu = menu.sorted { $0.rank < $1.rank }
    }

    public func render(_ template: String, title: String, surface: Surface?, context: AppContext,
                       status: HTTPResponse.Status = .ok, data: [String: Any] = [:]) -> Response {
        let language = context.language
        let t = services.localization.table(language)
        var page: [String: Any] = [
            "title": title,
            "lang": language.rawValue,
            "dir": language.isRightToLeft ? "rtl" : "ltr",
            "t": t,
            "csrf": context.csrfToken,
            "demo": services.settings.demo,
            "languages": (context.brand?.languages ?? Language.allCases).map {
                ["code": $0.rawValue, "name": $0.nativeName, "current": $0 == language] as [String: Any]
            },
        ]
        if let brand = context.brand {
            var brandData = ["name": brand.name, "primary": ThemeColors.readableUnderWhite(brand.theme.primaryColor, fallback: "#1f4e79"),
                             "accent": brand.theme.accentColor,
                             "accentStrong": ThemeColors.readableUnderWhite(brand.theme.accentColor, fallback: "#23704a")]
            if !brand.theme.logoURL.isEmpty { brandData["logo"] = brand.theme.logoURL }
            page["brand"] = brandData
            if let footer = brand.legalText("footer", in: language) {
                page["legal"] = ["text": footer.text, "lang": footer.language == language ? false : footer.language.rawValue] as [String: Any]
            }
        } else {
            page["brand"] = ["name": "Pipstack", "primary": "#1f4e79", "accent": "#2e8b57", "accentStrong": "#23704a"]
        }
        if let surface {
            page["surface"] = ["name": surface.rawValue, "base": surface.basePath, "label": t["\(surface.rawValue)_surface"] ?? surface.rawValue]
        }
        if let user = context.user {
            page["user"] = ["name": user.displayName, "email": user.email, "role": Mustache.optional(user.role.map { t["role_\($0.rawValue)"] ?? $0.displayName } ?? "")]
            let nav = navigation(for: user, surface: surface, t: t, path: context.path)
            page["nav"] = nav
            page["hasNav"] = !nav.isEmpty
            if let surface {
                let crumbs = breadcrumbs(nav, surface: surface, t: t, path: context.path, title: title)
                page["crumbs"] = crumbs
                page["hasCrumbs"] = !crumbs.isEmpty
            }
        }
        for (key, value) in data { page[key] = value }
        let html = services.templates.render(template, brand: context.brand?.id, context: page)
            ?? "<!doctype html><title>\(title)</title><p>Template \(template) is missing.</p>"
        return Response(status: status,
                        headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Each surface's menu shows only what the principal may open; the entry the
    /// person is in (the longest menu path that the request's path starts with) is marked.
    private func navigation(for user: User, surface: Surface?, t: [String: String], path: String) -> [[String: Any]] {
        guard let surface else { return [] }
        let items = menu.filter { $0.surface == surface && table.allows(user.principal, .get, $0.path) }
        let current = items.filter { path == $0.path || ($0.path != surface.basePath && path.hasPrefix($0.path + "/")) }
            .max { $0.path.count < $1.path.count }?.path
        return items.map { ["href": $0.path, "label": t[$0.label] ?? $0.label, "current": $0.path == current] }
    }

    /// Home, then the menu entry the page sits under (when the page is deeper than it).
    private func breadcrumbs(_ nav: [[String: Any]], surface: Surface, t: [String: String], path: String, title: String) -> [[String: String]] {
        guard path != surface.basePath else { return [] }
        var crumbs = [["href": surface.basePath, "label": t["home"] ?? "Home"]]
        if let section = nav.first(where: { $0["current"] as? Bool == true }), let href = section["href"] as? String,
           href != path, href != surface.basePath, let label = section["label"] as? String {
            crumbs.append(["href": href, "label": label])
        }
        return crumbs
    }

    /// How numbers, money and times read for this request's person.
    package func format(_ context: AppContext) -> PageFormat {
        services.formats.format(context.language, timeZone: context.timeZone)
    }

    /// Whether the principal may call a route: pages show a form only to those who may submit it.
    package func allows(_ principal: Principal, _ method: HTTPRequest.Method, _ path: String) -> Bool {
        table.allows(principal, method, path)
    }

    public func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
