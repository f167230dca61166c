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
            var brandData = ["name": brand.name, "primary": brand.theme.primaryColor, "accent": brand.theme.accentColor]
            if !brand.theme.logoURL.isEmpty { brandData["logo"] = brand.theme.logoURL }
            page["brand"] = brandData
            if let footer = brand.legal["footer"], !footer.isEmpty { page["legal"] = footer }
        } else {
            page["brand"] = ["name": "Pipstack", "primary": "#1f4e79", "accent": "#2e8b57"]
        }
        if let surface {
            page["surface"] = ["name": surface.rawValue, "base": surface.basePath, "label": t["\(surface.rawValue)_surface"] ?? surface.rawValue]
        }
        if let user = context.user {
            page["user"] = ["name": user.displayName, "email": user.email, "role": user.role?.displayName ?? ""]
            let nav = navigation(for: user, surface: surface, t: t)
            page["nav"] = nav
            page["hasNav"] = !nav.isEmpty
        }
        for (key, value) in data { page[key] = value }
        let html = services.templates.render(template, brand: context.brand?.id, context: page)
            ?? "<!doctype html><title>\(title)</title><p>Template \(template) is missing.</p>"
        return Response(status: status,
                        headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Each surface's menu shows only what the principal may open.
    private func navigation(for user: User, surface: Surface?, t: [String: String]) -> [[String: String]] {
        guard let surface else { return [] }
        return menu.filter { $0.surface == surface && table.allows(user.principal, .get, $0.path) }
            .map { ["href": $0.path, "label": t[$0.label] ?? $0.label] }
    }

    /// Whether the principal may call a route: pages show a form only to those who may submit it.
    package func allows(_ principal: Principal, _ method: HTTPRequest.Method, _ path: String) -> Bool {
        table.allows(principal, method, path)
    }

    public func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
