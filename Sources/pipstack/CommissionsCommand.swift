import ArgumentParser
import BrokerCore
import CommissionsCore
import Foundation
import Identity
import Money
import Partners
import Platform
import Commissions
import Trading

/// Commission tools that work on the database.
struct CommissionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commissions",
                                                    abstract: "Commission plans: what-if simulations over past deals, and recalculating a period.",
                                                    subcommands: [SimulateCommissions.self, RecalculateCommissions.self])
}

/// `pipstack commissions simulate --plan FILE --from DATE --to DATE [--partner ID]`.
struct SimulateCommissions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate",
                                                    abstract: "Run a proposed plan (JSON) over past deals without posting; show per-partner differences from the plans in force.")

    @Option(help: "The proposed plan, as JSON (docs/commission-plans.md).") var plan: String
    @Option(help: "First day, YYYY-MM-DD (UTC).") var from: String
    @Option(help: "Last day, YYYY-MM-DD (UTC), included.") var to: String
    @Option(help: "Also put this partner on the proposed plan.") var partner: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: plan)) } catch { throw ValidationError("cannot read \(plan): \(error.localizedDescription)") }
        let proposed: CommissionPlan
        do { proposed = try PlanValidationError.plan(fromJSON: Array(data)) } catch { throw ValidationError("\(plan): \(error)") }
        guard let start = CivilDay.start(from), let end = CivilDay.start(to), start <= end else { throw ValidationError("--from and --to are days (YYYY-MM-DD), --from first") }
        var logger = Runtime.logger()
        logger.logLevel = .warning
        let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: logger)
        defer { Task { await db.close() } }
        let report = try await CommissionSimulation(db: db, clock: SystemClock()).run(
            proposed: proposed, from: start * 1_000_000, to: (end + 86_400) * 1_000_000, partner: partner.map { PartnerID($0) })
        await db.close()
        let money = { (units: Int64) in Explain.money(units) }
        if json {
            let rows = report.rows.map { ["partner": $0.partner, "paid": money($0.paid), "current": money($0.current), "proposed": money($0.proposed),
                                          "difference": money($0.difference)] }
            let object: [String: Any] = ["currency": report.currency.code, "deals": report.deals, "partners": rows, "missing_rates": report.missingRates]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("\(report.deals) deals from \(from) to \(to); amounts in \(report.currency.code)")
        print(["partner", "paid", "in force", "proposed", "difference"].map { $0.padding(toLength: 18, withPad: " ", startingAt: 0) }.joined())
        for row in report.rows {
            print([row.partner.rawValue, money(row.paid), money(row.current), money(row.proposed), money(row.difference)]
                .map { $0.padding(toLength: 18, withPad: " ", startingAt: 0) }.joined())
        }
        if !report.missingRates.isEmpty { print("No recorded rate for \(report.missingRates.joined(separator: ", ")): their point-based amounts count as zero.") }
    }


}

/// `pipstack commissions recalculate --from DATE --to DATE`: the same as the back office's form.
struct RecalculateCommissions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recalculate",
        abstract: "Compute a period's deals again with the books as they stand now; requeue those that differ (the running pipeline reverses and recomputes them).")

    @Option(help: "First day, YYYY-MM-DD (UTC).") var from: String
    @Option(help: "Last day, YYYY-MM-DD (UTC), included.") var to: String
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        guard let start = CivilDay.start(from), let end = CivilDay.start(to), start <= end else { throw ValidationError("--from and --to are days (YYYY-MM-DD), --from first") }
        var logger = Runtime.logger()
        logger.logLevel = .warning
        let db = try await Runtime.openMigrated(try storage.resolvedURL(), logger: logger)
        let result: CommissionRecalculation.Result
        do {
            result = try await CommissionRecalculation(db: db, deals: try DealStore(db: db), clock: SystemClock())
                .run(from: start * 1_000_000, to: (end + 86_400) * 1_000_000, audit: AuditContext(actor: "cli"))
        } catch {
            await db.close()
            throw error
        }
        await db.close()
        print("\(result.checked) computed deals checked, \(result.requeued) differed and were requeued; the pipeline of `serve` recomputes them.")
    }
}
