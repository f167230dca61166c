import BrokerCore
import Platform
import Trading
import WebKit

/// Pipstack's whole schema: every capability's migrations, merged by their global
/// version numbers (`Capabilities.all` lists them).
public enum Schema {
    public static let slices: [[Migration]] = Capabilities.all.map { $0.migrations }

    public static let all: [Migration] = Migration.merged(slices)
}

extension MigrationRunner {
    /// The runner for Pipstack's whole schema.
    public init() {
        self.init(migrations: Schema.all)
    }
}

extension Schema {
    /// Data steps that follow the migrations but read across slices, which a migration may
    /// not: each goes through the other slice's published interface. Idempotent, so it
    /// runs at every start.
    public static func completeUpgrade(_ db: Database, clock: any PipstackClock = SystemClock()) async throws {
        try await TradingAccountStore(db: db, clock: clock).assignMissingBrands()
    }
}
