import BrokerCore
import CommissionsCore
import Hummingbird
import Partners
import Commissions
import Platform
import WebKit

/// `/admin/instruments`: the symbols traded so far with the group their commission
/// rates are chosen by and their profit currency, guessed from the name until the
/// broker sets them (`InstrumentCatalog`).
struct InstrumentRoutes {
    let services: CommissionsWebServices
    let renderer: PageRenderer
    var catalog: InstrumentCatalog { services.commissions.instruments }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/instruments") { _, context in try await self.list(context) }
        routes.post("/admin/instruments") { _, context in try await self.set(context) }
        routes.post("/admin/instruments/clear") { _, context in try await self.clear(context) }
    }

    func list(_ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        let entries = try await catalog.entries()
        var sections = [PageSection(
            intro: "Plans choose a rate by symbol, then by the symbol's group, then the default. Groups of symbols nobody set are guessed from the name (\(InstrumentGroups.groups.joined(separator: ", "))). A change applies to deals computed from now on; recalculate a period to carry it back.",
            table: PageTable(name: "instruments", columns: ["Symbol", "Group", "Profit currency", "Source"], rows: entries.map { entry in
                ([entry.symbol, entry.group, entry.profitCurrency, entry.isSet ? "set by the broker" : "guessed from the name"], nil)
            }, empty: "No symbol traded yet."))]
        if renderer.allows(context.principal, .post, "/admin/instruments") {
            sections.append(PageSection(id: "set", heading: "Set a symbol", forms: [
                PageForm(name: "set", action: "/admin/instruments", submit: "Save", fields: [
                    .input("symbol", "Symbol, as the trade server names it", required: true),
                    .input("group", "Group (a-z, 0-9, _), e.g. fx_majors or a group of your own", required: true),
                    .input("profit_currency", "Profit currency", value: "USD", required: true),
                ]),
                PageForm(name: "clear", action: "/admin/instruments/clear", submit: "Guess it from the name again", fields: [
                    .select("symbol", "Symbol", options: entries.filter(\.isSet).map { ($0.symbol, $0.symbol) }, selected: ""),
                ]),
            ]))
        }
        return renderer.sections("Instruments", surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func set(_ context: AppContext) async throws -> Response {
        let form = context.form
        do {
            try await catalog.set(symbol: form["symbol"] ?? "", group: form["group"] ?? "", profitCurrency: form["profit_currency"] ?? "", audit: context.audit)
            return try await list(context, flash: "Saved.")
        } catch let error as PartnerError {
            return try await list(context, error: error.description)
        }
    }

    func clear(_ context: AppContext) async throws -> Response {
        do {
            try await catalog.clear(symbol: context.form["symbol"] ?? "", audit: context.audit)
            return try await list(context, flash: "Saved.")
        } catch let error as PartnerError {
            return try await list(context, error: error.description)
        }
    }
}
