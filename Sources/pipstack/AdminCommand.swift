import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Platform

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Staff accounts.", subcommands: [Create.self])

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
}
