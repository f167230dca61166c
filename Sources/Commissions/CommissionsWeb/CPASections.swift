import BrokerCore
import CommissionsCore
import Foundation
import Identity
import Money
import Partners
import Commissions
import Platform
import WebKit

/// Where a partner's referred clients stand on CPA, for the back office's partner
/// profile (with the numbers) and the partner portal (a short note per client).
package enum CPASections {
    /// The profile's CPA section; nil when the partner's plan has no CPA and nothing was decided.
    package static func profile(_ partnerID: PartnerID, cpa: CPASettlement, web services: WebServices, renderer: PageRenderer,
                                context: AppContext) async throws -> PageSection? {
        let t = { (key: String) in renderer.text(key, context) }
        let standings = try await cpa.standings(of: partnerID, at: services.clock.nowMicros())
        let relevant = standings.filter { $0.decision != nil || $0.facts != nil }
        guard !relevant.isEmpty else { return nil }
        let lots = { (units: Int64) -> PageCell in .number(units, scale: 8, minimumDecimals: 2) }
        var rows: [PageRow] = []
        for standing in relevant {
            let user = try await services.identity.user(id: UserID(standing.client))
            let who: PageCell = user.map { .text($0.displayName, sub: $0.email) } ?? .code(standing.client)
            if let decision = standing.decision {
                let currency = Currency(code: decision.currency) ?? .usd
                let tone: Badge.Tone = decision.status == .qualified ? .ok : decision.status == .excluded ? .bad : .neutral
                rows.append(PageRow(cells: [who, .badge(Badge(t("cpa_status_\(decision.status.rawValue)"), tone: tone)),
                                            .money(Money(minorUnits: decision.firstDeposit, currency: currency)), lots(decision.lots),
                                            CommissionCells.earned(decision.spread, t), decision.country.isEmpty ? .empty : .code(decision.country),
                                            decision.status == .qualified ? .money(Money(minorUnits: decision.amount, currency: currency)) : .empty,
                                            .time(decision.decidedAt)]))
            } else if let facts = standing.facts {
                let currency = Currency(code: facts.currency) ?? .usd
                rows.append(PageRow(cells: [who, .badge(Badge(t("cpa_status_open"), tone: .info)),
                                            facts.firstDeposit.map { .money(Money(minorUnits: $0, currency: currency)) } ?? .empty, lots(facts.lots),
                                            CommissionCells.earned(facts.spread, t), facts.country.isEmpty ? .empty : .code(facts.country),
                                            .text(note(standing, t: t)), .empty]))
            }
        }
        return PageSection(id: "cpa", heading: t("cpa_heading"), intro: t("cpa_intro"),
                           table: PageTable(name: "cpa", columns: [PageColumn(t("col_client")), PageColumn(t("col_status")), PageColumn(t("cpa_col_first_deposit")),
                                                                    PageColumn(t("col_volume")), PageColumn(t("cpa_col_spread")), PageColumn(t("cpa_col_country")),
                                                                    PageColumn(t("cpa_col_paid")), PageColumn(t("cpa_col_decided"))], rows: rows))
    }

    /// A line for the partner portal: paid, window passed, excluded, or what is still missing.
    package static func note(_ standing: CPASettlement.Standing?, t: (String) -> String) -> String {
        guard let standing else { return "" }
        if let decision = standing.decision {
            switch decision.status {
            case .qualified:
                let amount = money(decision.amount, Currency(code: decision.currency) ?? .usd)
                return t("cpa_paid").replacingOccurrences(of: "{amount}", with: "\(amount) \(decision.currency)")
            case .expired: return t("cpa_expired")
            case .excluded: return t("cpa_excluded")
            }
        }
        guard standing.facts != nil else { return "" }
        let known = ["first deposit": "cpa_need_deposit", "lots": "cpa_need_lots", "spread": "cpa_need_spread", "KYC": "cpa_need_kyc"]
        let missing = standing.missing.map { known[$0].map(t) ?? $0 }.joined(separator: ", ")
        return t("cpa_waiting").replacingOccurrences(of: "{missing}", with: missing)
    }

    static func money(_ minor: Int64, _ currency: Currency) -> String { Money(minorUnits: minor, currency: currency).decimalString }

}
