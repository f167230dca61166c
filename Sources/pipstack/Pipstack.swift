import ArgumentParser

/// `pipstack`: the back office, its demo, and its operator tools.
@main
struct Pipstack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipstack",
        abstract: "Pipstack: a self-hosted back office for forex/CFD brokers.",
        subcommands: [ServeCommand.self, DemoCommand.self, MigrateCommand.self, AdminCommand.self, BrandCommand.self, AuditCommand.self, BenchCommand.self, SimulateCommand.self, CommissionsCommand.self]
    )
}
