import BrokerCore
import Hummingbird
import Identity
import Partners
import Platform
import WebKit

/// `/partners/agreement`: the partner reads the brand's partner agreement and
/// accepts it, once; payouts wait for the acceptance.
struct PartnerAgreementRoutes {
    let services: PartnersWebServices
    let renderer: PageRenderer

    func register(_ routes: SecuredRoutes) {
        routes.get("/partners/agreement") { _, context in try await self.page(context) }
        routes.post("/partners/agreement") { _, context in try await self.accept(context) }
    }

    func page(_ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        let t = { (key: String) in services.localization.text(key, context.language) }
        let partner = try await PartnerPortalRoutes.partner(of: context, services: services)
        let text = context.brand?.legal["partner_agreement"].flatMap { $0.isEmpty ? nil : $0 } ?? t("agreement_default_text")
        var section = PageSection(id: "agreement", intro: text, facts: [
            (t("agreement_status"), partner.agreementAcceptedAt == 0 ? t("agreement_not_accepted")
                : t("agreement_accepted").replacingOccurrences(of: "{date}", with: Timestamps.iso(partner.agreementAcceptedAt)), "status"),
        ])
        if partner.agreementAcceptedAt == 0 {
            section.forms = [PageForm(name: "accept", action: "/partners/agreement", submit: t("agreement_submit"), fields: [
                .checkbox("accept", t("agreement_accept"), checked: false),
            ])]
        }
        return renderer.sections(t("agreement_title"), surface: .partners, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, [section])
    }

    func accept(_ context: AppContext) async throws -> Response {
        let partner = try await PartnerPortalRoutes.partner(of: context, services: services)
        guard context.form["accept"] == "yes" else {
            return try await page(context, error: services.localization.text("agreement_required", context.language))
        }
        try await services.partners.partners.acceptAgreement(partner.id, audit: context.audit)
        return renderer.redirect("/partners/agreement")
    }
}
