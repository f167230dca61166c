import BrokerCore
import CommissionsCore
import Hummingbird
import Partners
import Commissions
import Platform
import WebKit

/// `/admin/instruments`: the symbols traded so far with the group their commission
/// rates are chosen by, where that group came from (the broker's setting, the trade
/// server's folder, or the name), and the broker's table from server folders to
/// groups. Changes take effect from a chosen day (`InstrumentCatalog`).
struct InstrumentRoutes {
    let services: CommissionsWebServices
    let renderer: PageRenderer
    var catalog: InstrumentCatalog { services.commissions.instruments }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/instruments") { request, context in
            try await self.list(context, flash: request.uri.queryParameters.get("saved") == "1" ? self.renderer.text("saved", context) : nil)
        }
        routes.post("/admin/instruments") { _, context in try await self.set(context) }
        routes.post("/admin/instruments/clear") { _, context in try await self.clear(context) }
        routes.post("/admin/instruments/folders") { _, context in try await self.mapFolder(context) }
    }

    /// A group's name: the usual groups translated, a broker's own by its id.
    static func groupName(_ group: String, _ t: (String) -> String) -> String {
        InstrumentGroups.groups.contains(group) ? t("instrument_group_\(group)") : group
    }

    /// A group as people read it: the usual groups by their translated name, a broker's own by its id.
    static func groupCell(_ group: String, _ t: (String) -> String) -> PageCell {
        InstrumentGroups.groups.contains(group) ? .text(t("instrument_group_\(group)")) : .code(group)
    }

    func list(_ context: AppContext, error: (field: String, message: String)? = nil, flash: String? = nil) async throws -> Response {
        let t = { (key: String) in renderer.text(key, context) }
        let entries = try await catalog.entries()
        let folders = try await catalog.folders()
        let scheduled = try await catalog.scheduled()
        let symbols = PageSection(id: "symbols", heading: t("instrument_symbols"), intro: t("instrument_intro"),
                                  table: PageTable(name: "instruments", columns: [PageColumn(t("instrument_col_symbol")), PageColumn(t("instrument_col_folder")),
                                                                                  PageColumn(t("instrument_col_group")), PageColumn(t("instrument_col_profit_currency")),
                                                                                  PageColumn(t("instrument_col_source"))],
                                                   rows: entries.map { entry in
                                                       PageRow(cells: [.code(entry.symbol), entry.path.isEmpty ? .empty : .code(entry.path), Self.groupCell(entry.group, t),
                                                                       .text(entry.profitCurrency), .text(t("instrument_source_\(entry.source.rawValue)"))])
                                                   }, empty: t("instrument_none")))
        let folderTable = PageSection(id: "folders", heading: t("instrument_folders"), intro: t("instrument_folders_intro"),
                                      table: PageTable(name: "instrument-folders", columns: [PageColumn(t("instrument_col_folder")), PageColumn(t("instrument_col_group")),
                                                                                             PageColumn(t("instrument_col_from"))],
                                                       rows: folders.map { folder in
                                                           PageRow(cells: [.code(folder.folder), Self.groupCell(folder.group, t),
                                                                           folder.effectiveFrom == 0 ? .text(t("instrument_always")) : .time(folder.effectiveFrom)])
                                                       }, empty: t("instrument_no_folders")))
        var sections = [symbols, folderTable]
        if !scheduled.isEmpty {
            sections.append(PageSection(id: "scheduled", heading: t("instrument_scheduled"), table: PageTable(
                name: "instrument-scheduled", columns: [PageColumn(t("instrument_col_what")), PageColumn(t("instrument_col_group")), PageColumn(t("instrument_col_from"))],
                rows: scheduled.map { PageRow(cells: [.code($0.what), $0.group.isEmpty ? .text(t("instrument_removed")) : Self.groupCell($0.group, t), .time($0.effectiveFrom)]) })))
        }
        if renderer.allows(context.principal, .post, "/admin/instruments") {
            let groupOptions = InstrumentGroups.groups.map { ($0, t("instrument_group_\($0)")) }
            let from = PageField.input("from", t("instrument_field_from"), type: "date", hint: t("instrument_field_from_hint"))
            func withError(_ field: PageField, form: String) -> PageField {
                var field = field
                if let error, error.field == "\(form).\(field.name)" { field.error = error.message }
                return field
            }
            let setForm = PageForm(name: "set", action: "/admin/instruments", submit: t("save"), fields: [
                .input("symbol", t("instrument_field_symbol"), required: true),
                .input("group", t("instrument_field_group"), required: true, hint: t("instrument_field_group_hint")),
                .input("profit_currency", t("instrument_col_profit_currency"), value: "USD", required: true),
                from,
            ].map { withError($0, form: "set") })
            let folderForm = PageForm(name: "folder", action: "/admin/instruments/folders", submit: t("save"), fields: [
                .input("folder", t("instrument_col_folder"), required: true, hint: t("instrument_field_folder_hint")),
                .select("group", t("instrument_col_group"), options: [("", t("instrument_folder_remove"))] + groupOptions, selected: "energies"),
                from,
            ].map { withError($0, form: "folder") })
            sections.append(PageSection(id: "set", heading: t("instrument_set_heading"), forms: [setForm]))
            sections.append(PageSection(id: "map", heading: t("instrument_map_heading"), forms: [folderForm]))
            let setSymbols = entries.filter(\.isSet)
            if !setSymbols.isEmpty {
                sections.append(PageSection(id: "clear", heading: t("instrument_clear_heading"), forms: [
                    PageForm(name: "clear", action: "/admin/instruments/clear", submit: t("instrument_clear"), fields: [
                        .select("symbol", t("instrument_col_symbol"), options: setSymbols.map { ($0.symbol, $0.symbol) }, selected: ""), from,
                    ].map { withError($0, form: "clear") }),
                ]))
            }
        }
        return renderer.sections(t("nav_instruments"), surface: .admin, context: context, error: error.map { _ in t("instrument_error") }, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    /// The chosen day's start, or nil (now) when none was chosen.
    func from(_ context: AppContext) throws(PartnerError) -> Int64? {
        guard let day = context.form["from"], !day.isEmpty else { return nil }
        guard let seconds = CivilDay.start(day) else { throw PartnerError.invalid(field: "from", "a day as YYYY-MM-DD") }
        return seconds * 1_000_000
    }

    func set(_ context: AppContext) async throws -> Response {
        let form = context.form
        do {
            try await catalog.set(symbol: form["symbol"] ?? "", group: form["group"] ?? "", profitCurrency: form["profit_currency"] ?? "",
                                  from: try from(context), audit: context.audit)
            return renderer.redirect("/admin/instruments?saved=1")
        } catch let error as PartnerError {
            return try await list(context, error: fieldError(error, form: "set", context))
        }
    }

    func clear(_ context: AppContext) async throws -> Response {
        do {
            try await catalog.clear(symbol: context.form["symbol"] ?? "", from: try from(context), audit: context.audit)
            return renderer.redirect("/admin/instruments?saved=1")
        } catch let error as PartnerError {
            return try await list(context, error: fieldError(error, form: "clear", context))
        }
    }

    func mapFolder(_ context: AppContext) async throws -> Response {
        do {
            try await catalog.mapFolder(context.form["folder"] ?? "", group: context.form["group"] ?? "", from: try from(context), audit: context.audit)
            return renderer.redirect("/admin/instruments?saved=1")
        } catch let error as PartnerError {
            return try await list(context, error: fieldError(error, form: "folder", context))
        }
    }

    /// The refusal worded for the person at the form, next to the field it is about.
    func fieldError(_ error: PartnerError, form: String, _ context: AppContext) -> (field: String, message: String) {
        guard case let .invalid(field, _) = error else { return ("\(form).symbol", error.description) }
        let key = "instrument_invalid_\(field)"
        let text = renderer.text(key, context)
        return ("\(form).\(field)", text == key ? error.description : text)
    }
}
