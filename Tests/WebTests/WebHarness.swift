import BrokerCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import Platform
import TestSupport
import WebKit
import App

/// A real database, the real router, and one user per principal: what every web
/// test starts from.
struct WebHarness {
    let db: Database
    let services: AppServices
    let registered: [String]
    var users: [Principal: User] = [:]
    static let password = "correct horse battery"

    static func make(_ kind: String, twoFactorRoles: Set<StaffRole> = [], secureCookies: Bool = true,
                     metrics: WebSettings.MetricsAccess = .open, hsts: Bool = false, clock: any PipstackClock = SystemClock()) async throws -> WebHarness {
        let db = try await TestDatabases.make(kind)
        let brand = Brand(id: "brand_test", name: "Test Markets", domains: ["localhost"],
                          theme: .init(primaryColor: "#123456", accentColor: "#654321", logoURL: ""),
                          defaultLanguage: .en, languages: Language.allCases, legal: ["footer": "Risk warning"], isDefault: true)
        let settings = WebSettings(secureCookies: secureCookies, twoFactorRoles: twoFactorRoles, demo: false, publicURL: "https://office.test", bcryptCost: 4,
                                   metrics: metrics, hsts: hsts)
        let services = try AppServices(db: db, clock: clock, secretKey: "test-secret-key-of-at-least-32-characters", brands: [brand],
                                       settings: settings, logger: TestDatabases.logger)
        try await services.brandStore.save(brand, now: 0, audit: .system)
        var harness = WebHarness(db: db, services: services, registered: try PipstackWeb.router(services: services).registered)
        for principal in Principal.all where principal != .anonymous {
            let (kind, role): (PrincipalKind, StaffRole?) = switch principal {
            case .trader: (.trader, nil)
            case .partner: (.partner, nil)
            case let .staff(role): (.staff, role)
            case .anonymous: (.trader, nil)
            }
            harness.users[principal] = try await services.identity.createUser(
                kind: kind, email: "\(principal.name.replacingOccurrences(of: ":", with: "-"))@test.example", password: password,
                displayName: "User \(principal.name)", role: role, brandID: "brand_test", audit: .system)
        }
        return harness
    }

    func surface(of principal: Principal) -> Surface {
        switch principal {
        case .trader: .portal
        case .partner: .partners
        default: .admin
        }
    }

    /// A session for `principal`, created directly (the login flow has its own tests).
    func session(for principal: Principal) async throws -> (cookie: String, csrf: String)? {
        guard let user = users[principal] else { return nil }
        let surface = surface(of: principal)
        let (token, session) = try await services.sessions.create(user: user, surface: surface.rawValue, secondFactorOK: true,
                                                                  ip: "127.0.0.1", userAgent: "test", audit: .system)
        return ("\(surface.cookieName)=\(token)", session.csrfToken)
    }

    func test<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await test(.router, body)
    }

    /// `.live` listens on a loopback port (`client.port`), for parties that call Pipstack over real HTTP.
    func test<T: Sendable>(_ setup: TestingSetup, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = Application(router: try PipstackWeb.router(services: services).router, logger: TestDatabases.logger)
        return try await app.test(setup) { client in try await body(client) }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// `name=value` of a Set-Cookie header for `name`, if any.
    func cookie(_ name: String) -> String? {
        headers[values: .setCookie].compactMap { header -> String? in
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            return pair.hasPrefix("\(name)=") ? pair : nil
        }.first
    }
}

/// Pulls the CSRF token out of a rendered form.
func csrfToken(in html: String) -> String? {
    guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
    return String(html[range.upperBound...].prefix { $0 != "\"" })
}

func formHeaders(cookie: String?) -> HTTPFields {
    var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .accept: "text/html"]
    if let cookie { headers[.cookie] = cookie }
    return headers
}

func form(_ fields: [(String, String)]) -> ByteBuffer { ByteBuffer(string: FormBody.encode(fields)) }
