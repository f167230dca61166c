import ArgumentParser
import Logging
import Platform

/// `pipstack`: the back office, its demo, and its operator tools.
@main
struct Pipstack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipstack",
        abstract: "Pipstack: a self-hosted back office for forex/CFD brokers.",
        subcommands: [ServeCommand.self, DemoCommand.self, MigrateCommand.self, AdminCommand.self, BrandCommand.self, AuditCommand.self, BenchCommand.self, SimulateCommand.self, CommissionsCommand.self]
    )

    /// ArgumentParser's own entry point, except that a database failure is printed in
    /// the database's own words (PostgresNIO's errors describe themselves only as
    /// "Generic description to prevent accidental leakage").
    static func main() async {
        // Every log line escapes what clients sent: no forged lines.
        LoggingSystem.bootstrap { EscapingLogHandler(label: $0) }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: DatabaseFailure.readable(error))
        }
    }
}

/// A database error as a person reads it; other errors pass through unchanged.
struct DatabaseFailure: Error, CustomStringConvertible {
    let description: String

    static func readable(_ error: any Error) -> any Error {
        let message = DatabaseMessage.of(error)
        return message == String(describing: error) ? error : DatabaseFailure(description: message)
    }
}
