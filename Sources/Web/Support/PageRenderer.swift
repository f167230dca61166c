import BrokerCore
import Hummingbird
import Identity
import Platform

/// Builds the data every page shares (brand, language, user, navigation) and renders
/// a template into an HTML response. Mustache escapes every `{{value}}`.
public struct PageRenderer: Sendable {
    let services: AppServices

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
        let items: [(String, String)]
        switch surface {
        case .admin:
            items = [
                ("/admin", "nav_home"), ("/admin/users", "nav_users"), ("/admin/trading-accounts", "nav_trading_accounts"),
                ("/admin/balance-operations", "nav_balance_operations"), ("/admin/reconciliation", "nav_reconciliation"),
                ("/admin/ledger", "nav_ledger"), ("/admin/audit", "nav_audit"), ("/admin/jobs", "nav_jobs"),
                ("/admin/partners", "nav_partners"), ("/admin/commissions", "nav_commissions"), ("/admin/commission-plans", "nav_commission_plans"),
                ("/admin/instruments", "nav_instruments"), ("/admin/payouts", "nav_payouts"),
                ("/admin/trade-servers", "nav_trade_servers"), ("/admin/account-types", "nav_account_types"), ("/admin/brands", "nav_brands"),
                ("/admin/api-keys", "nav_api_keys"),
            ]
        case .portal:
            items = [("/portal", "nav_home"), ("/portal/accounts", "nav_accounts")]
        case .partners:
            items = [("/partners", "nav_home"), ("/partners/commissions", "nav_commissions"), ("/partners/network", "nav_network"),
                     ("/partners/payouts", "nav_payouts")]
        case nil:
            return []
        }
        return items.filter { PermissionTable.allows(user.principal, .get, $0.0) }.map { ["href": $0.0, "label": t[$0.1] ?? $0.1] }
    }

    public func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
