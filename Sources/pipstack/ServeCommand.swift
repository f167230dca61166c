import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Platform
import WebKit
import App

/// Production server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the back office, trader's room, partner portal and API.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var listen: ListenOptions

    @Option(name: .customLong("public-url"), help: "Public base URL for links in emails (env PIPSTACK_PUBLIC_URL).")
    var publicURL: String?

    @Option(name: .customLong("two-factor-roles"), help: "Comma-separated staff roles that must use TOTP (env PIPSTACK_2FA_ROLES; default admin,finance,compliance; 'none' to disable).")
    var twoFactorRoles: String?

    @Flag(name: .customLong("insecure-cookies"), help: "Send session cookies without Secure (only behind plain HTTP on a trusted network).")
    var insecureCookies = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let secret = env["PIPSTACK_SECRET_KEY"], secret.count >= 32 else {
            throw ValidationError("PIPSTACK_SECRET_KEY must be set to a random string of at least 32 characters (it encrypts secrets at rest)")
        }
        let roles = try Self.parseRoles(twoFactorRoles ?? env["PIPSTACK_2FA_ROLES"])
        let logger = Runtime.logger()
        let clock = SystemClock()
        let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: logger)
        let brands = try await DefaultBrand.ensure(db, clock: clock, name: env["PIPSTACK_BRAND_NAME"] ?? "Pipstack Markets")
        let port = try listen.resolvedPort()
        // /metrics answers only a scraper holding PIPSTACK_METRICS_TOKEN; without one it is off.
        let metrics: WebSettings.MetricsAccess = env["PIPSTACK_METRICS_TOKEN"].flatMap { $0.count >= 16 ? .token($0) : nil } ?? .off
        if metrics == .off { logger.notice("PIPSTACK_METRICS_TOKEN is not set (16 characters or more): /metrics is off") }
        let settings = WebSettings(secureCookies: !insecureCookies, twoFactorRoles: roles, demo: false,
                                   publicURL: publicURL ?? env["PIPSTACK_PUBLIC_URL"] ?? "http://localhost:\(port)",
                                   metrics: metrics, hsts: !insecureCookies)
        // How long a claimed balance operation stays with one process before another may finish it.
        let lease = env["PIPSTACK_BALANCE_OPERATION_LEASE_SECONDS"].flatMap { Int64($0) }.map { max(1, $0) } ?? 30
        let services = try AppServices(db: db, clock: clock, secretKey: secret, brands: brands, settings: settings,
                                       templatesOverride: storage.dataFolder.appendingPathComponent("templates"),
                                       balanceOperationLeaseSeconds: lease, logger: logger)
        let from = env["PIPSTACK_MAIL_FROM"] ?? "no-reply@localhost"
        let mailer: any Mailer
        if let smtp = env["PIPSTACK_SMTP_URL"], !smtp.isEmpty {
            mailer = SMTPMailer(settings: try SMTPSettings(url: smtp, from: from))
        } else {
            let folder = storage.dataFolder.appendingPathComponent("mail")
            logger.warning("PIPSTACK_SMTP_URL is not set: emails are written to \(folder.path) instead of being sent")
            mailer = FileMailer(folder: folder, from: from)
        }
        logger.info("serving", metadata: ["database": "\(db.url)", "port": "\(port)"])
        // The database is closed however the services end, so a failed start or run leaves it clean.
        do {
            try await Runtime.run(services: services, mailer: mailer, host: listen.resolvedHost(default: "0.0.0.0"), port: port, secretKey: secret, logger: logger)
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }

    static func parseRoles(_ text: String?) throws -> Set<StaffRole> {
        guard let text else { return StaffRole.twoFactorByDefault }
        if text == "none" { return [] }
        return Set(try text.split(separator: ",").map { name in
            guard let role = StaffRole(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown role \(name); roles: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return role
        })
    }
}
