import BrokerCore
import Identity

/// The emails that carry a one-time link to set a password (an invitation, or a
/// password an administrator expired), in the person's own language (their profile's,
/// else their brand's default), linking to the surface they log in to.
package struct AccountMail: Sendable {
    let services: WebServices

    package init(services: WebServices) { self.services = services }

    package enum Kind: String, Sendable { case invitation, passwordExpired = "password_expired" }

    /// The surface a kind of person logs in to.
    package static func surface(of kind: PrincipalKind) -> Surface {
        switch kind {
        case .staff: .admin
        case .trader: .portal
        case .partner: .partners
        }
    }

    /// A composer for `Invitations` and `UserAdministration`: the link is `{public URL}{surface}/invitation?token=`.
    package func composer(_ kind: Kind) async -> Invitations.Compose {
        let services = services
        let brands = await services.brands.directory().brands
        return { user, token in
            let brand = brands.first { $0.id == user.brandID }
            let language = user.language.flatMap(Language.init(rawValue:)) ?? brand?.defaultLanguage ?? .en
            let t = { (key: String) in services.localization.text(key, language) }
            let link = "\(services.settings.publicURL)\(Self.surface(of: user.kind).basePath)/invitation?token=\(token)"
            let brandName = brand?.name ?? "Pipstack"
            let fill = { (text: String) in
                text.replacingOccurrences(of: "{name}", with: user.displayName).replacingOccurrences(of: "{brand}", with: brandName)
                    .replacingOccurrences(of: "{link}", with: link)
            }
            return MailMessage(to: user.email, subject: fill(t("mail_\(kind.rawValue)_subject")), body: fill(t("mail_\(kind.rawValue)_body")))
        }
    }
}
