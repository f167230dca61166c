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
        let t = { (key: String) in self.renderer.text(key, context) }
        let brands = try await services.brandStore.all()
        let rows = brands.map { brand -> PageRow in
            PageRow(cells: [.text(brand.name, sub: brand.id.rawValue), .code(brand.domains.joined(separator: ", ")),
                            .text(brand.languages.map(\.nativeName).joined(separator: ", ")),
                            brand.isDefault ? .badge(Badge(t("brand_default"), tone: .info)) : .empty],
                    link: (href: "/admin/brands/\(brand.id.rawValue)", label: t("edit")))
        }
        return renderer.sections(t("nav_brands"), surface: .admin, context: context, intro: t("brands_intro"), [
            PageSection(table: PageTable(name: "brands", columns: [PageColumn(t("brand_col_name")), PageColumn(t("brand_col_domains")),
                                                                   PageColumn(t("brand_col_languages")), PageColumn(t("brand_col_default"))],
                                         rows: rows, empty: t("nothing_yet")),
                        more: (href: "/admin/brands/new", label: t("brand_new"))),
        ])
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
                                   languages: (Language.allCases.filter { form["language_\($0.rawValue)"] == "yes" }.map(\.rawValue) + form.all("languages")).joined(separator: ","), defaultLanguage: form["default_language"] ?? "",
                                   primaryColor: form["primary_color"] ?? "", accentColor: form["accent_color"] ?? "",
                                   logoURL: form["logo_url"] ?? "", legalFooter: form["legal_footer"] ?? "",
                                   makeDefault: form["is_default"] == "yes")
        do {
            guard BrandChanges.isValidID(id) else { throw BrandValidationError(field: "id", message: "1 to 64 of a-z, 0-9, _ and -") }
            var brand = try changes.applied(to: base)
            // The risk warning in each other language the brand offers; empty falls back to the default language's.
            for language in Language.allCases where language != brand.defaultLanguage {
                let text = (form["legal_footer_\(language.rawValue)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard text.count <= 2_000 else { throw BrandValidationError(field: "legal_footer_\(language.rawValue)", message: "at most 2000 characters") }
                brand.legal["footer.\(language.rawValue)"] = text.isEmpty ? nil : text
            }
            if !brand.isDefault && !existing.contains(where: { $0.isDefault && $0.id != brand.id }) {
                throw BrandValidationError(field: "is_default", message: "one brand must stay the default")
            }
            try await services.brandStore.save(brand, replacingDefault: brand.isDefault, now: services.clock.nowMicros(), audit: context.audit)
            try await services.brands.reload()
            return renderer.redirect("/admin/brands")
        } catch let error as BrandValidationError {
            var shown = base
            shown.name = changes.name ?? shown.name
            return render(shown, isNew: isNew, error: renderer.refusal(error, context), context, status: .badRequest, id: id)
        }
    }

    private func render(_ brand: Brand, isNew: Bool, error: String?, _ context: AppContext,
                        status: HTTPResponse.Status = .ok, id: String? = nil) -> Response {
        let t = { (key: String) in self.renderer.text(key, context) }
        var fields: [PageField] = []
        if isNew { fields.append(.input("id", t("brand_field_id"), value: id ?? brand.id.rawValue, required: true, pattern: "[a-z0-9_\\-]{1,64}")) }
        fields += [
            .input("name", t("brand_col_name"), value: brand.name, required: true),
            PageField(kind: .textarea, name: "domains", label: t("brand_field_domains"), value: brand.domains.joined(separator: "\n")),
        ]
        fields += Language.allCases.map { .checkbox("language_\($0.rawValue)", "\(t("brand_field_offer")) \($0.nativeName)", checked: brand.languages.contains($0)) }
        fields += [
            .select("default_language", t("brand_field_default_language"), options: Language.allCases.map { ($0.rawValue, $0.nativeName) },
                    selected: brand.defaultLanguage.rawValue),
            .input("primary_color", t("brand_field_primary"), value: Self.sixDigit(brand.theme.primaryColor), type: "color"),
            .input("accent_color", t("brand_field_accent"), value: Self.sixDigit(brand.theme.accentColor), type: "color"),
            .input("logo_url", t("brand_field_logo"), value: brand.theme.logoURL, type: "url"),
            PageField(kind: .textarea, name: "legal_footer", label: t("brand_field_footer"), value: brand.legal["footer"] ?? "", hint: t("brand_field_footer_hint")),
        ]
        fields += Language.allCases.filter { $0 != brand.defaultLanguage }.map { language in
            PageField(kind: .textarea, name: "legal_footer_\(language.rawValue)", label: "\(t("brand_field_footer_in")) \(language.nativeName)",
                      value: brand.legal["footer.\(language.rawValue)"] ?? "")
        }
        fields.append(.checkbox("is_default", t("brand_field_is_default"), checked: brand.isDefault))
        if let error, let field = fields.firstIndex(where: { error.hasPrefix($0.name + ":") || error.hasPrefix($0.name + " ") }) {
            fields[field].error = error
        }
        let form = PageForm(name: "brand", action: "/admin/brands/\(isNew ? "new" : brand.id.rawValue)", submit: t("save"), fields: fields)
        return renderer.sections(isNew ? t("brand_new") : brand.name, surface: .admin, context: context, error: error, status: status,
                                 [PageSection(forms: [form])])
    }

    /// `<input type=color>` only takes #rrggbb.
    static func sixDigit(_ color: String) -> String {
        guard color.count == 4 else { return color }
        return "#" + color.dropFirst().map { "\($0)\($0)" }.joined()
    }
}
