import BrokerCore
import Commissions
import CommissionsCore
import Money
import WebKit

/// How commission figures read on pages: amounts accrued at 10⁻⁸ shown as money
/// with the exact accrual on hover, and rules by a translated name when the
/// catalogue has one (the usual ids: rebate, commission, cpa...) with the id kept
/// as machine text, else by the broker's own id.
package enum CommissionCells {
    package static func earned(_ units: Int64, _ t: (String) -> String, currency: Currency = .usd) -> PageCell {
        .earned(Accrual(units: units, currency: currency), exactLabel: t("exact_accrual"))
    }

    package static func rule(_ id: String, reverses: Bool = false, _ t: (String) -> String) -> PageCell {
        let key = "rule_\(id)"
        let name = t(key)
        let label = name == key ? id : name
        let shown = reverses ? "\(label) (\(t("rule_reversal")))" : label
        return name == key && !reverses ? .code(id) : .text(shown, sub: name == key ? "" : id)
    }

    package static func rule(_ line: CommissionReports.StoredLine, _ t: (String) -> String) -> PageCell {
        rule(line.rule, reverses: line.reverses != 0, t)
    }
}
