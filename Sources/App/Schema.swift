import Clients
import CommissionsCore
import Identity
import LedgerCore
import Partners
import Platform
import Trading
import Commissions
import Ledger

/// Pipstack's whole schema: every slice's migrations, merged by their global version
/// numbers. A new slice adds its `…Schema.migrations` here.
public enum Schema {
    public static let slices: [[Migration]] = [
        PlatformSchema.migrations,
        IdentitySchema.migrations,
        LedgerSchema.migrations,
        TradingSchema.migrations,
        PartnersSchema.migrations,
        CommissionsSchema.migrations,
        ClientsSchema.migrations,
    ]

    public static let all: [Migration] = Migration.merged(slices)
}

extension MigrationRunner {
    /// The runner for Pipstack's whole schema.
    public init() {
        self.init(migrations: Schema.all)
    }
}
