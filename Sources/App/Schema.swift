import Platform
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
