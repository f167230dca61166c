import BrokerCore
import Foundation
import Hummingbird
import Identity
import Platform
import WebKit

/// Staff, trader and partner logins in the back office: the list with its invite
/// form, one person's page with what an administrator may do (role, disable, reset
/// the second factor, expire the password, send the invitation again), and on every
/// surface the page where an invited person chooses a password. Every step is audited.
struct UserRoutes {
    let services: WebServices
    let renderer: PageRenderer
    var mail: AccountMail { AccountMail(services: services) }

    func register(_ routes: SecuredRoutes) {
        routes.get("/admin/users") { request, context in
            try await self.list(search: request.uri.queryParameters.get("q").map { String($0) } ?? "",
                                kind: try QueryParameters.choice(request, "kind", as: PrincipalKind.self), context)
        }
        routes.post("/admin/users/invite") { _, context in try await self.invite(context) }
        routes.get("/admin/users/:id") { request, context in
            try await self.person(UserID(try context.parameters.require("id")), context,
                                  flash: request.uri.queryParameters.get("done").map { self.renderer.text("user_done_\($0)", context) })
        }
        for action in ["role", "status", "reset-2fa", "expire-password", "resend"] {
            routes.post("/admin/users/:id/\(action)") { _, context in try await self.act(action, UserID(try context.parameters.require("id")), context) }
        }
        for surface in Surface.allCases {
            routes.get("\(surface.basePath)/invitation") { request, context in
                try await self.invitationPage(surface, token: request.uri.queryParameters.get("token").map { String($0) } ?? "", context)
            }
            routes.post("\(surface.basePath)/invitation") { _, context in try await self.acceptInvitation(surface, context) }
        }
    }

    func t(_ context: AppContext) -> (String) -> String { { renderer.text($0, context) } }

    // MARK: The list

    func list(search: String = "", kind: PrincipalKind? = nil, _ context: AppContext, error: (field: String, message: String)? = nil,
              draft: [String: String] = [:]) async throws -> Response {
        let t = t(context)
        let users = try await services.identity.users(kind: kind, limit: 500)
            .filter { search.isEmpty || $0.email.localizedCaseInsensitiveContains(search) || $0.displayName.localizedCaseInsensitiveContains(search) }
        let rows = users.map { user -> PageRow in
            PageRow(cells: [.link(user.displayName, href: "/admin/users/\(user.id)", sub: user.email), .text(t("kind_\(user.kind.rawValue)")),
                            user.role.map { .text(t("role_\($0.rawValue)")) } ?? .empty,
                            .badge(user.totpEnabled ? Badge(t("twofactor_on"), tone: .ok) : Badge(t("twofactor_off"), tone: .neutral)),
                            .badge(Self.statusBadge(user.status, t))])
        }
        let filters = PageFilters(fields: [
            .input("q", t("search"), value: search),
            .select("kind", t("users_col_kind"), options: [("", t("any"))] + PrincipalKind.allCases.map { ($0.rawValue, t("kind_\($0.rawValue)")) },
                    selected: kind?.rawValue ?? ""),
        ], submit: t("filter"), reset: (href: "/admin/users", label: t("reset_filters")))
        var sections = [PageSection(table: PageTable(name: "users", columns: [PageColumn(t("users_col_person")), PageColumn(t("users_col_kind")),
                                                                             PageColumn(t("users_col_role")), PageColumn(t("users_col_2fa")), PageColumn(t("col_status"))],
                                                     rows: rows, empty: t("nothing_yet")), filters: filters)]
        if renderer.allows(context.principal, .post, "/admin/users/invite") {
            var fields: [PageField] = [
                .select("kind", t("users_col_kind"), options: [("staff", t("kind_staff")), ("trader", t("kind_trader"))], selected: draft["kind"] ?? "staff",
                        hint: t("user_invite_kind_hint")),
                .select("role", t("users_col_role"), options: StaffRole.allCases.map { ($0.rawValue, t("role_\($0.rawValue)")) }, selected: draft["role"] ?? "dealing",
                        hint: t("user_invite_role_hint")),
                .input("name", t("user_field_name"), value: draft["name"] ?? "", required: true),
                .input("email", t("user_field_email"), value: draft["email"] ?? "", type: "email", required: true),
                .select("language", t("user_field_language"), options: Language.allCases.map { ($0.rawValue, $0.nativeName) },
                        selected: draft["language"] ?? context.language.rawValue),
            ]
            if let error, let index = fields.firstIndex(where: { $0.name == error.field }) { fields[index].error = error.message }
            sections.insert(PageSection(id: "invite", heading: t("user_invite_heading"), intro: t("user_invite_intro"),
                                        forms: [PageForm(name: "invite", action: "/admin/users/invite", submit: t("user_invite_submit"), fields: fields)]), at: 0)
        }
        return renderer.sections(t("nav_users"), surface: .admin, context: context, error: error.map { _ in t("form_not_saved") },
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    static func statusBadge(_ status: String, _ t: (String) -> String) -> Badge {
        let tone: Badge.Tone = switch status {
        case "active": .ok
        case "invited": .info
        case "disabled": .neutral
        default: .warn
        }
        return Badge(t("user_status_\(status)"), tone: tone)
    }

    /// Invites a staff member or a trader: the person gets an email to choose a password.
    func invite(_ context: AppContext) async throws -> Response {
        let t = t(context)
        let form = context.form
        let draft = ["kind": form["kind"] ?? "", "role": form["role"] ?? "", "name": form["name"] ?? "", "email": form["email"] ?? "",
                     "language": form["language"] ?? ""]
        guard let kind = PrincipalKind(rawValue: draft["kind"] ?? ""), kind != .partner else {
            return try await list(context, error: ("kind", t("user_invalid_kind")), draft: draft)
        }
        let role = kind == .staff ? StaffRole(rawValue: draft["role"] ?? "") : nil
        if kind == .staff, role == nil { return try await list(context, error: ("role", t("user_invalid_role")), draft: draft) }
        do {
            let user = try await services.invitations.invite(kind: kind, email: draft["email"] ?? "", displayName: draft["name"] ?? "", role: role,
                                                             language: Language(rawValue: draft["language"] ?? ""),
                                                             brandID: context.brand?.id ?? BrandID("brand_default"),
                                                             compose: await mail.composer(.invitation), audit: context.audit)
            return renderer.redirect("/admin/users/\(user.id)?done=invited")
        } catch let error as IdentityError {
            let field = switch error {
            case .invalidEmail, .emailTaken: "email"
            case .invalidName: "name"
            default: "role"
            }
            return try await list(context, error: (field, Self.wording(error, t)), draft: draft)
        }
    }

    /// An identity refusal in words for the person at the form.
    static func wording(_ error: IdentityError, _ t: (String) -> String) -> String {
        switch error {
        case .invalidEmail: t("user_invalid_email")
        case .emailTaken: t("user_email_taken")
        case .invalidName: t("user_invalid_name")
        case .notOnYourself: t("user_not_on_yourself")
        case .notInvited: t("user_not_invited")
        case .weakPassword: t("password_too_weak")
        case .invalidToken: t("invitation_invalid")
        default: t("form_not_saved")
        }
    }

    // MARK: One person

    func person(_ id: UserID, _ context: AppContext, error: String? = nil, flash: String? = nil) async throws -> Response {
        let t = t(context)
        guard let user = try await services.identity.user(id: id) else { throw UserFacingError(.notFound, t("not_found")) }
        var sections = [PageSection(heading: t("users_col_person"), facts: [
            (t("user_field_name"), user.displayName, "name"), (t("user_field_email"), user.email, "email"),
            (t("users_col_kind"), t("kind_\(user.kind.rawValue)"), "kind"),
            (t("users_col_role"), user.role.map { t("role_\($0.rawValue)") } ?? "—", "role"),
            (t("col_status"), Self.statusBadge(user.status, t).label, "status"),
            (t("users_col_2fa"), user.totpEnabled ? t("twofactor_on") : t("twofactor_off"), "two_factor"),
            (t("user_field_language"), user.language.flatMap(Language.init(rawValue:))?.nativeName ?? "—", "language"),
        ])]
        let history = try await services.db.read { sql in try await AuditLog.recent(on: sql, limit: 50, entityType: "user", entityID: id.rawValue) }
        sections.append(PageSection(id: "history", heading: t("user_history"), table: PageTable(
            name: "history", columns: [PageColumn(t("col_time")), PageColumn(t("audit_col_action")), PageColumn(t("audit_col_actor"))],
            rows: history.map { event in
                PageRow(cells: [.time(event.occurredAt), .text(t("audit_action_\(event.entry.action.replacingOccurrences(of: ".", with: "_"))")), .code(event.entry.actor)])
            }, empty: t("nothing_yet"))))
        if renderer.allows(context.principal, .post, "/admin/users/:id/status"), user.id != context.user?.id {
            let base = "/admin/users/\(id)"
            var actions: [PageAction] = []
            if user.status == "invited" { actions.append(PageAction(href: "\(base)/resend", label: t("user_resend"))) }
            if user.status != "disabled" {
                actions.append(PageAction(href: "\(base)/status", label: t("user_disable"), confirm: t("user_disable_confirm"), fields: [("active", "no")]))
            } else {
                actions.append(PageAction(href: "\(base)/status", label: t("user_enable"), fields: [("active", "yes")]))
            }
            if user.status == "active" {
                actions.append(PageAction(href: "\(base)/expire-password", label: t("user_expire_password"), confirm: t("user_expire_password_confirm")))
            }
            if user.kind == .staff, user.totpEnabled {
                actions.append(PageAction(href: "\(base)/reset-2fa", label: t("user_reset_2fa"), confirm: t("user_reset_2fa_confirm")))
            }
            var access = PageSection(id: "access", heading: t("user_access"), actions: actions)
            if user.kind == .staff {
                access.forms = [PageForm(name: "role", action: "\(base)/role", submit: t("user_change_role"), fields: [
                    .select("role", t("users_col_role"), options: StaffRole.allCases.map { ($0.rawValue, t("role_\($0.rawValue)")) },
                            selected: user.role?.rawValue ?? ""),
                ])]
            }
            sections.insert(access, at: 1)
        }
        return renderer.sections(user.displayName, surface: .admin, context: context, error: error, flash: flash,
                                 status: error == nil ? .ok : .badRequest, sections)
    }

    func act(_ action: String, _ id: UserID, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let actor = context.user?.id
        do {
            switch action {
            case "role":
                guard let role = StaffRole(rawValue: context.form["role"] ?? "") else { throw IdentityError.invalidRole(context.form["role"] ?? "") }
                try await services.userAdmin.setRole(id, to: role, by: actor, audit: context.audit)
            case "status": try await services.userAdmin.setActive(id, context.form["active"] == "yes", by: actor, audit: context.audit)
            case "reset-2fa": try await services.userAdmin.resetSecondFactor(id, by: actor, audit: context.audit)
            case "expire-password": try await services.userAdmin.expirePassword(id, by: actor, compose: await mail.composer(.passwordExpired), audit: context.audit)
            default: try await services.invitations.resend(userID: id, compose: await mail.composer(.invitation), audit: context.audit)
            }
            return renderer.redirect("/admin/users/\(id)?done=\(action)")
        } catch let error as IdentityError {
            if case .notFound = error { throw UserFacingError(.notFound, t("not_found")) }
            return try await person(id, context, error: Self.wording(error, t))
        }
    }

    // MARK: Accepting an invitation

    func invitationPage(_ surface: Surface, token: String, _ context: AppContext, error: String? = nil) async throws -> Response {
        let t = t(context)
        guard let user = try await services.invitations.invitee(token: token), AccountMail.surface(of: user.kind) == surface else {
            return renderer.sections(t("invitation_title"), surface: surface, context: context, status: .notFound, [
                PageSection(id: "invitation", intro: t("invitation_invalid"), more: (href: "\(surface.basePath)/password-reset", label: t("forgot_password"))),
            ])
        }
        var password = PageField.input("password", t("new_password"), type: "password", required: true)
        if let error { password.error = error }
        let response = renderer.sections(t("invitation_title"), surface: surface, context: context, status: error == nil ? .ok : .badRequest, [
            PageSection(id: "invitation", intro: t("invitation_intro").replacingOccurrences(of: "{name}", with: user.displayName), facts: [
                (t("user_field_email"), user.email, "email"),
            ], forms: [PageForm(name: "invitation", action: "\(surface.basePath)/invitation", submit: t("set_password"), fields: [
                PageField(kind: .hidden, name: "token", label: "", value: token), password,
            ])]),
        ])
        var noStore = response
        noStore.headers[.cacheControl] = "no-store"
        return noStore
    }

    func acceptInvitation(_ surface: Surface, _ context: AppContext) async throws -> Response {
        let t = t(context)
        let token = context.form["token"] ?? ""
        guard let invitee = try await services.invitations.invitee(token: token), AccountMail.surface(of: invitee.kind) == surface else {
            return try await invitationPage(surface, token: token, context)
        }
        do {
            _ = try await services.invitations.accept(token: token, password: context.form["password"] ?? "", audit: context.audit)
            return renderer.redirect("\(surface.basePath)/login?welcome=1")
        } catch let error as IdentityError {
            return try await invitationPage(surface, token: token, context, error: Self.wording(error, t))
        }
    }
}
