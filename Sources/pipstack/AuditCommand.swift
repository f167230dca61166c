import ArgumentParser
import Platform

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit trail tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify",
            abstract: "Recompute the audit hash chain: exit 0 when intact, 1 naming the first edited, deleted or reordered event.")

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let logger = Runtime.logger()
            let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: logger)
            let result = try await db.read { try await AuditLog.verify(on: $0) }
            await db.close()
            switch result {
            case let .intact(events):
                print("audit chain intact: \(events) events")
            case let .broken(seq, reason, checked):
                print("audit chain BROKEN at event \(seq): \(reason) (\(checked) events verified before it)")
                throw ExitCode(1)
            }
        }
    }
}
