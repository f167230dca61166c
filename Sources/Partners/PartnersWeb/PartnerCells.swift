import Partners
import WebKit

/// Partners as pages show them: status as a badge by meaning, kind and legal type by their translated names.
enum PartnerCells {
    static func status(_ status: Partner.Status, _ t: (String) -> String) -> Badge {
        switch status {
        case .active: Badge(t("partner_status_active"), tone: .ok)
        case .suspended: Badge(t("partner_status_suspended"), tone: .warn)
        case .terminated: Badge(t("partner_status_terminated"), tone: .neutral)
        }
    }

    static func kind(_ kind: Partner.Kind, _ t: (String) -> String) -> String { t("partner_kind_\(kind.rawValue)") }

    static func legalType(_ type: Partner.LegalType, _ t: (String) -> String) -> String { t("partner_legal_\(type.rawValue)") }
}

/// A login's status as pages name it (the same words as the users pages).
enum UserRoutesText {
    static func status(_ status: String, _ t: (String) -> String) -> String { t("user_status_\(status)") }
}
