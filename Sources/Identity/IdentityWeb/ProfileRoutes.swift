import BrokerCore
import Foundation
import Hummingbird
import Identity
import WebKit

/// A person's own settings on every surface: the language pages and emails use,
/// and the time zone pages show times in (UTC on hover).
struct ProfileRoutes {
    let services: WebServices
    let renderer: PageRenderer

    /// The zones brokers' people work in most, UTC first; any IANA name is accepted.
    static let zones = ["UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Berlin", "Europe/Zurich",
                        "Europe/Warsaw", "Europe/Athens", "Asia/Nicosia", "Europe/Istanbul", "Europe/Moscow", "Africa/Cairo", "Africa/Johannesburg",
                        "Africa/Lagos", "Asia/Dubai", "Asia/Riyadh", "Asia/Beirut", "Asia/Karachi", "Asia/Kolkata", "Asia/Bangkok", "Asia/Jakarta",
                        "Asia/Kuala_Lumpur", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
                        "America/Sao_Paulo", "America/Buenos_Aires", "America/Mexico_City", "America/Bogota", "America/New_York", "America/Chicago",
                        "America/Los_Angeles"]

    func register(_ routes: SecuredRoutes) {
        for surface in Surface.allCases {
            routes.get("\(surface.basePath)/profile") { request, context in
                try await self.page(surface, context, flash: request.uri.queryParameters.get("saved") == "1" ? self.renderer.text("saved", context) : nil)
            }
            routes.post("\(surface.basePath)/profile") { _, context in try await self.save(surface, context) }
        }
    }

    func page(_ surface: Surface, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        guard let user = context.user else { return renderer.redirect("\(surface.basePath)/login") }
        let zone = user.timeZone ?? "UTC"
        var zoneField = PageField.select("time_zone", t("profile_time_zone"), options: (Self.zones.contains(zone) ? Self.zones : [zone] + Self.zones).map { ($0, $0) },
                                         selected: zone, hint: t("profile_time_zone_hint"))
        if let error { zoneField.error = error }
        let offered = context.brand?.languages ?? Language.allCases
        return renderer.sections(t("profile_title"), surface: surface, context: context, error: error.map { _ in t("form_not_saved") }, flash: flash,
                                 status: error == nil ? .ok : .badRequest, [
            PageSection(facts: [(t("user_field_name"), user.displayName, "name"), (t("user_field_email"), user.email, "email")],
                        more: (href: "\(surface.basePath)/password-reset", label: t("profile_change_password"))),
            PageSection(id: "preferences", heading: t("profile_preferences"), forms: [
                PageForm(name: "preferences", action: "\(surface.basePath)/profile", submit: t("save"), fields: [
                    .select("language", t("user_field_language"), options: offered.map { ($0.rawValue, $0.nativeName) }, selected: context.language.rawValue,
                            hint: t("profile_language_hint")),
                    zoneField,
                ]),
            ]),
        ])
    }

    func save(_ surface: Surface, _ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("\(surface.basePath)/login") }
        let language = Language(rawValue: context.form["language"] ?? "") ?? context.language
        do {
            try await services.identity.setPreferences(userID: user.id, language: language, timeZone: context.form["time_zone"] ?? "", audit: context.audit)
            return renderer.redirect("\(surface.basePath)/profile?saved=1&lang=\(language.rawValue)")
        } catch IdentityError.invalidTimeZone {
            return try await page(surface, context, error: renderer.text("profile_invalid_zone", context))
        }
    }
}
