import BrokerCore
import Foundation
import Hummingbird
import Identity
import Platform
import WebKit

/// Back-office brand settings: the list, and one form per brand for its name,
/// domains, languages, colours, logo and risk warning. A save takes effect at once
/// in this process and within 30 seconds in others.
struct BrandRoutes {
    let services: WebServices
    let renderer: PageRenderer

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/brands") { _, context in try await self.list(context) }
        routes.get("/admin/brands/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await self.form(for: id, context)
        }
        routes.post("/admin/brands/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await self.save(id, context)
        }
    }

    func list(_ context: AppContext) async throws -> Response {
        let brands = try await services.brandStore.all()
        let rows = brands.map { brand -> [String: Any] in
            ["cells": [brand.id.rawValue, brand.name, brand.domains.joined(separator: ", "), brand.languages.map(\.rawValue).joined(separator: ", "),
                       brand.isDefault ? "default" : ""],
             "link": ["href": "/admin/brands/\(brand.id.rawValue)", "label": "Edit"]]
        }
        return renderer.adminTable("Brands", context, columns: ["Id", "Name", "Domains", "Languages", ""], rows: rows,
                           intro: "The brand of a request is chosen by its host name; hosts no brand claims get the default brand.",
                           more: (href: "/admin/brands/new", label: "New brand"))
    }

    func form(for id: String, _ context: AppContext) async throws -> Response {
        if id == "new" { return render(BrandChanges.blank(id: BrandID(""), isFirst: false), isNew: true, error: nil, context) }
        guard let brand = try await services.brandStore.all().first(where: { $0.id.rawValue == id }) else {
            throw UserFacingError(.notFound, "no brand \(id)")
        }
        return render(brand, isNew: false, error: nil, context)
    }

    func save(_ pathID: String, _ context: AppContext) async throws -> Response {
        let form = context.form
        let isNew = pathID == "new"
        let id = isNew ? (form["id"] ?? "") : pathID
        let existing = try await services.brandStore.all()
        let current = existing.first { $0.id.rawValue == id }
        if isNew && current != nil { throw UserFacingError(.conflict, "brand \(id) exists already") }
        if !isNew && current == nil { throw UserFacingError(.notFound, "no brand \(id)") }
        let base = current ?? BrandChanges.blank(id: BrandID(id), isFirst: existing.isEmpty)
        let changes = BrandChanges(name: form["name"] ?? "", domains: form["domains"] ?? "",
                                   languages: form.all("languages").joined(separator: ","), defaultLanguage: form["default_language"] ?? "",
                                   primaryColor: form["primary_color"] ?? "", accentColor: form["accent_color"] ?? "",
                                   logoURL: form["logo_url"] ?? "", legalFooter: form["legal_footer"] ?? "",
                                   makeDefault: form["is_default"] == "yes")
        do {
            guard BrandChanges.isValidID(id) else { throw BrandValidationError(field: "id", message: "1 to 64 of a-z, 0-9, _ and -") }
            let brand = try changes.applied(to: base)
            if !brand.isDefault && !existing.contains(where: { $0.isDefault && $0.id != brand.id }) {
                throw BrandValidationError(field: "is_default", message: "one brand must stay the default")
            }
            try await services.brandStore.save(brand, replacingDefault: brand.isDefault, now: services.clock.nowMicros(), audit: context.audit)
            try await services.brands.reload()
            return renderer.redirect("/admin/brands")
        } catch let error as BrandValidationError {
            var shown = base
            shown.name = changes.name ?? shown.name
            return render(shown, isNew: isNew, error: error.description, context, status: .badRequest, id: id)
        }
    }

    private func render(_ brand: Brand, isNew: Bool, error: String?, _ context: AppContext,
                        status: HTTPResponse.Status = .ok, id: String? = nil) -> Response {
        let languages = Language.allCases.map { language -> [String: Any] in
            ["code": language.rawValue, "name": language.nativeName, "on": brand.languages.contains(language),
             "isDefault": language == brand.defaultLanguage]
        }
        var data: [String: Any] = [
            "action": "/admin/brands/\(isNew ? "new" : brand.id.rawValue)", "isNew": isNew, "id": id ?? brand.id.rawValue,
            "name": brand.name, "domains": brand.domains.joined(separator: "\n"), "languages_all": languages,
            "primary_color": Self.sixDigit(brand.theme.primaryColor), "accent_color": Self.sixDigit(brand.theme.accentColor),
            "logo_url": brand.theme.logoURL, "legal_footer": brand.legal["footer"] ?? "", "is_default": brand.isDefault,
        ]
        if let error { data["error"] = error }
        return renderer.render("brand_form", title: isNew ? "New brand" : "Brand \(brand.name)", surface: .admin, context: context,
                               status: status, data: data)
    }

    /// `<input type=color>` only takes #rrggbb.
    static func sixDigit(_ color: String) -> String {
        guard color.count == 4 else { return color }
        return "#" + color.dropFirst().map { "\($0)\($0)" }.joined()
    }
}
