import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Platform

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Staff accounts.", subcommands: [Create.self, APIKey.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a staff user. The password is read from PIPSTACK_ADMIN_PASSWORD or standard input.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Email address.") var email: String
        @Option(help: "Display name.") var name: String = "Administrator"
        @Option(help: "Role: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String = "admin"

        func run() async throws {
            guard let role = StaffRole(rawValue: role) else { throw ValidationError("unknown role \(role)") }
            let env = ProcessInfo.processInfo.environment
            let password = env["PIPSTACK_ADMIN_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            let logger = Runtime.logger()
            let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: logger)
            let clock = SystemClock()
            let brands = try await DefaultBrand.ensure(db, clock: clock, name: env["PIPSTACK_BRAND_NAME"] ?? "Pipstack Markets")
            let identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: env["PIPSTACK_SECRET_KEY"] ?? ""))
            do {
                let user = try await identity.createUser(kind: .staff, email: email, password: password, displayName: name, role: role,
                                                         brandID: brands.first?.id ?? "brand_default", audit: AuditContext(actor: "cli"))
                print("created \(role.rawValue) \(user.email) (\(user.id))")
            } catch let error as IdentityError {
                await db.close()
                throw ValidationError(error.description)
            }
            await db.close()
        }
    }

    /// Creates an API key for a staff user from the command line: for scripts and CI,
    /// which cannot click through the back office.
    struct APIKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "api-key",
                                                        abstract: "Create an API key for a staff user and print it once.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "The staff user's email address.") var email: String
        @Option(help: "A name for the key.") var name: String = "command line"
        @Option(help: "Scopes, comma-separated (\(ApiScope.allCases.map(\.rawValue).joined(separator: ", "))), or all.") var scopes: String = "read"

        func run() async throws {
            let wanted: [ApiScope]
            if scopes == "all" {
                wanted = ApiScope.allCases
            } else {
                wanted = try scopes.split(separator: ",").map { part in
                    let text = part.trimmingCharacters(in: .whitespaces)
                    guard let scope = ApiScope(rawValue: text) else { throw ValidationError("unknown scope \(text)") }
                    return scope
                }
            }
            let logger = Runtime.logger()
            let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: logger)
            let clock = SystemClock()
            let identity = IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: ProcessInfo.processInfo.environment["PIPSTACK_SECRET_KEY"] ?? ""))
            guard let user = try await identity.user(email: email, kind: .staff) else {
                await db.close()
                throw ValidationError("no staff user has the email \(email)")
            }
            let key = try await ApiKeys(db: db, clock: clock).create(for: user, name: name, scopes: wanted, audit: AuditContext(actor: "cli"))
            await db.close()
            print(key)
        }
    }
}
