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
    package static func profile(_ partnerID: PartnerID, cpa: CPASettlement, web services: WebServices) async throws -> PageSection? {
        let standings = try await cpa.standings(of: partnerID, at: services.clock.nowMicros())
        let relevant = standings.filter { $0.decision != nil || $0.facts != nil }
        guard !relevant.isEmpty else { return nil }
        var rows: [(cells: [String], link: (href: String, label: String)?)] = []
        for standing in relevant {
            let email = try await services.identity.user(id: UserID(standing.client))?.email ?? standing.client
            if let decision = standing.decision {
                let currency = Currency(code: decision.currency) ?? .usd
                rows.append(([email, decision.status.rawValue, money(decision.firstDeposit, currency), Explain.lots(decision.lots),
                              Explain.money(decision.spread), decision.country,
                              decision.status == .qualified ? "\(money(decision.amount, currency)): \(decision.detail)\(upline(decision))" : decision.detail,
                              Timestamps.iso(decision.decidedAt)], nil))
            } else if let facts = standing.facts {
                rows.append(([email, "open", facts.firstDeposit.map { money($0, Currency(code: facts.currency) ?? .usd) } ?? "", Explain.lots(facts.lots), Explain.money(facts.spread),
                              facts.country, "missing: " + standing.missing.joined(separator: ", ")
                                + (facts.skipped.isEmpty ? "" : "; not counted: " + facts.skipped.joined(separator: ", ")), ""], nil))
            }
        }
        return PageSection(id: "cpa", heading: "CPA: referred clients",
                           intro: "Decided once per client from the wallet's deposits, reported deposits and KYC (POST /api/v1/client-events), deposits made on the trade server and closed lots, within the plan's window.",
                           table: PageTable(name: "cpa", columns: ["Client", "Status", "First deposit", "Lots", "Spread", "Country", "Detail", "Decided"], rows: rows))
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

    /// "; paid: sub 250.00, master 50.00" when the CPA went up the tree.
    static func upline(_ decision: CPASettlement.Decision) -> String {
        guard decision.parts.count > 1 else { return "" }
        return "; paid: " + decision.parts.filter { $0.amount != 0 }.map { "\($0.partner) \(Explain.money($0.amount))" }.joined(separator: ", ")
    }
}
