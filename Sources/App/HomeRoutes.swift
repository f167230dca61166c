import BrokerCore
import Foundation
import Hummingbird
import Identity
import LedgerCore
import Money
import SQLKit
import Platform
import WebKit

/// The home page of each surface: it gathers figures from every slice, so it lives
/// with the composition root.
struct HomePages: WebSlice {
    let services: AppServices

    static let permissions: [RoutePermission] = [
        .init(.get, "/", RoutePermission.everyone),
        .init(.get, "/admin", RoutePermission.allStaff),
        .init(.get, "/portal", [.trader]),
        .init(.get, "/partners", [.partner]),
        .init(.get, "/api/v1/openapi.json", RoutePermission.everyone),
    ]

    static let menu = Surface.allCases.map { MenuItem($0, $0.basePath, label: "nav_home", rank: 0) }

    func register(_ routes: SecuredRoutes) {
        HomeRoutes(services: services, renderer: routes.renderer).register(routes)
        // The API's description covers every slice's routes.
        routes.get("/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}

struct HomeRoutes {
    let services: AppServices
    let renderer: PageRenderer

    func register(_ routes: SecuredRoutes) {
        routes.get("/") { _, _ in self.renderer.redirect("/portal") }
        routes.get("/admin") { _, context in try await self.adminHome(context) }
        routes.get("/portal") { _, context in try await self.portalHome(context) }
        routes.get("/partners") { _, context in try await self.partnerHome(context) }
    }

    func text(_ key: String, _ context: AppContext) -> String { renderer.text(key, context) }

    func adminHome(_ context: AppContext) async throws -> Response {
        let (users, events) = try await services.db.read { sql in
            (try await UserDirectory.counts(on: sql), try await AuditLog.count(on: sql))
        }
        let transactions = try await services.ledger.summary().transactions
        let dead = try await services.jobs.counts()[.dead] ?? 0
        // Partners are the partner records (a partner may have no login yet), not partner logins.
        let partners = Int64(try await services.partners.partners.all().count)
        let format = renderer.format(context)
        let tiles: [[String: String]] = [
            ("tile_clients", users[.trader] ?? 0), ("tile_partners", partners), ("tile_staff", users[.staff] ?? 0),
            ("tile_ledger_transactions", transactions), ("tile_audit_events", events), ("tile_jobs_dead", Int64(dead)),
        ].map { key, value in ["label": text(key, context), "value": format.number(value), "name": key] }
        var notes: [String] = []
        if services.settings.demo { notes.append(text("demo_mode", context)) }
        // A pipeline that stopped on a broken invariant waits for a person: say so first.
        let stopped = await services.health.stopped.map { ["pipeline": $0.pipeline, "reason": $0.reason] }
        return renderer.render("home", title: text("admin_home", context), surface: .admin, context: context,
                               data: ["tiles": tiles, "notes": notes, "hasNotes": !notes.isEmpty, "stopped": stopped, "hasStopped": !stopped.isEmpty])
    }

    func portalHome(_ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/portal/login") }
        let balances = try await walletBalances(owner: user.id.rawValue, kind: .clientWallet)
        let tiles = [["label": text("tile_wallet", context), "value": balances.isEmpty ? "0.00 USD" : balances.joined(separator: " · ")]]
        return renderer.render("home", title: text("portal_home", context), surface: .portal, context: context, data: ["tiles": tiles])
    }

    func partnerHome(_ context: AppContext) async throws -> Response {
        guard let user = context.user else { return renderer.redirect("/partners/login") }
        // Commissions are payable to the partner record the user is.
        let partner = try await services.partners.partners.partner(userID: user.id.rawValue)
        let owner = partner?.id.rawValue ?? user.id.rawValue
        let balances = try await walletBalances(owner: owner, kind: .ibCommissionPayable)
        let tiles = [["label": text("tile_earnings", context), "value": balances.isEmpty ? "0.00 USD" : balances.joined(separator: " · ")]]
        // Payouts wait until the partner agreement is accepted.
        let pending = partner.map { $0.agreementAcceptedAt == 0 } ?? false
        let notes = pending ? [text("agreement_pending", context)] : []
        let links = pending ? [["href": "/partners/agreement", "id": "agreement-link", "label": text("agreement_title", context)]] : []
        return renderer.render("home", title: text("partners_home", context), surface: .partners, context: context,
                               data: ["tiles": tiles, "notes": notes, "hasNotes": !notes.isEmpty, "links": links])
    }

    /// The owner's balances on accounts of one kind, formatted per currency.
    /// Ledger balances are positive when the account holds money for its owner.
    func walletBalances(owner: String, kind: LedgerAccountKind) async throws -> [String] {
        try await services.ledger.accounts().compactMap { account in
            guard let parsed = try? LedgerAccount(code: account.code), parsed.owner == owner, parsed.kind == kind else { return nil }
            return Money(minorUnits: account.balance, currency: parsed.currency).description
        }
    }
}
