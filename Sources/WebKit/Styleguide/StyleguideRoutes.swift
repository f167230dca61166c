import BrokerCore
import Charts
import Hummingbird
import Money
import Platform

/// `/admin/styleguide`: every component of the design system, drawn by the same
/// partials the pages use, with the parameters each takes. Later pages are built
/// from what this page shows.
public struct StyleguideRoutes: WebSlice {
    package let services: WebServices

    public init(services: WebServices) { self.services = services }

    public static let permissions: [RoutePermission] = [
        .init(.get, "/admin/styleguide", RoutePermission.staff(.admin)),
        .init(.post, "/admin/styleguide/confirm", RoutePermission.staff(.admin)),
    ]

    public static let menu = [MenuItem(.admin, "/admin/styleguide", label: "nav_styleguide", rank: 190)]

    public func register(_ routes: SecuredRoutes) {
        routes.get("/admin/styleguide") { request, context in self.page(routes.renderer, context, request: request) }
        // The confirmation example's target: it changes nothing and says so.
        routes.post("/admin/styleguide/confirm") { _, context in
            routes.renderer.redirect("/admin/styleguide?done=1#confirm")
        }
    }

    private static let components = ["component_page_header", "component_badge", "component_tiles", "component_chart", "component_facts",
                                     "component_filters", "component_table", "component_form", "component_action", "component_tabs",
                                     "component_empty"]

    func page(_ renderer: PageRenderer, _ context: AppContext, request: Request) -> Response {
        let t = { (key: String) in renderer.text(key, context) }
        let format = renderer.format(context)
        let samples = StyleguideSamples(t: t, format: format)
        var data: [String: Any] = [
            "pageIntro": t("sg_intro"),
            "tokens": ["primary", "accent", "bg", "surface", "fg", "muted", "border", "link", "ok-fg", "warn-fg", "bad-fg", "info-fg",
                       "chart-1", "chart-2", "chart-3", "chart-4", "chart-5", "chart-6"].map { ["name": $0] },
            "badges": Badge.Tone.allCases.map { tone in ["label": t("sg_tone_\(tone.rawValue)"), "tone": tone.rawValue] },
            "tiles": samples.tiles.map { $0.data(format) },
            "charts": samples.charts.map(\.data),
            "facts": samples.facts,
            "filters": samples.filters.data,
            "table": samples.table.data(format),
            "form": samples.form.data,
            "action": PageAction(href: "/admin/styleguide/confirm", label: t("sg_delete_example"), confirm: t("sg_delete_consequence")).data,
            "tabs": [["href": "/admin/styleguide", "label": t("sg_tab_overview"), "current": true],
                     ["href": "/admin/styleguide#table", "label": t("sg_tab_accounts"), "current": false],
                     ["href": "/admin/styleguide#form", "label": t("sg_tab_wallet"), "current": false]],
            "emptyTitle": t("sg_empty_title"), "emptyText": t("sg_empty_text"),
            "emptyAction": ["href": "/admin/styleguide#form", "label": t("sg_empty_action")],
            "docs": Self.components.map { name in ["name": name, "text": services.templates.documentation(of: name)] },
            "pageActions": [["href": "/admin/styleguide#table", "label": t("sg_action_primary"), "secondary": false],
                            ["href": "/admin/styleguide#charts", "label": t("sg_action_secondary"), "secondary": true]],
            "hasPageActions": true,
        ]
        // Back from the confirmation example: say that nothing changed.
        if QueryParameters.text(request, "done") != nil { data["flash"] = t("sg_confirm_done") }
        return renderer.render("styleguide", title: t("nav_styleguide"), surface: .admin, context: context, data: data)
    }
}

extension Badge.Tone: CaseIterable {
    package static var allCases: [Badge.Tone] { [.ok, .warn, .bad, .info, .neutral] }
}
