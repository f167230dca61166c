import Foundation
import Testing

/// The one rule for crossing slices, held by a test: a slice's SQL names only tables
/// the slice owns; everything else it reads through the owning slice's published
/// interface. There is no list of exceptions.
@Suite struct SliceBoundaryTests {
    /// Which slice owns each table. A new table goes here with its slice.
    static let owners: [String: [String]] = [
        "Platform": ["schema_migrations", "audit_events", "audit_head", "jobs"],
        "Identity": ["brands", "users", "user_search_terms", "sessions", "password_resets", "api_keys"],
        "Ledger": ["ledger_accounts", "ledger_transactions", "ledger_postings", "ledger_balances", "exchange_rates"],
        "Trading": ["trade_servers", "trade_deals", "trade_deal_revisions", "deal_feed_head", "deal_feed_consumers", "deal_sync_state",
                    "account_types", "trading_accounts", "balance_operations", "reconciliation_runs", "reconciliation_items", "trade_symbols", "trade_active_days", "trade_active_day_counts"],
        "Partners": ["partners", "partner_links", "partner_closure", "commission_plans", "partner_plans", "attributions"],
        "Commissions": ["commission_lines", "commission_lines_v7", "commission_names", "commission_batches", "commission_partner_batches",
                        "commission_daily", "commission_brand_daily", "commission_residues", "commission_postings", "commission_adjustments", "revenue_share_periods",
                        "cpa_awards", "payouts", "partner_payout_settings", "instruments", "instrument_settings", "instrument_folders",
                        "payout_statement_lines"],
        "Clients": ["client_events", "client_countries"],
        "Payments": ["payment_providers", "payment_deposits", "payment_webhooks", "payment_webhook_refusals", "payment_holds"],
    ]

    /// Folders under `Sources/` and who they belong to; the web layer, the composition
    /// root and the CLI own no tables.
    static let folders: [String: String] = [
        "Platform": "Platform", "Identity": "Identity", "Ledger": "Ledger", "Trading": "Trading", "Partners": "Partners",
        "Commissions": "Commissions", "Clients": "Clients", "WebKit": "WebKit", "App": "App", "pipstack": "pipstack",
        "Money": "Money", "BrokerCore": "BrokerCore", "Charts": "Charts", "Payments": "Payments",
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    static var ownerOfTable: [String: String] {
        Dictionary(uniqueKeysWithValues: owners.flatMap { slice, tables in tables.map { ($0, slice) } })
    }

    /// Tables the SQL in `text` names after FROM, JOIN, INTO, UPDATE, TABLE, EXISTS or ON
    /// (SQL here is written in capitals; comment lines are skipped).
    static func tablesNamed(in text: String, known: Set<String>) -> Set<String> {
        var found: Set<String> = []
        let pattern = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|ON)\s+([a-z_][a-z0-9_]*)/
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
            for match in line.matches(of: pattern) where known.contains(String(match.1)) { found.insert(String(match.1)) }
        }
        return found
    }

    /// Every Swift file under `Sources/`, with the slice (top folder) it belongs to.
    static func files() throws -> [(slice: String, path: String, text: String)] {
        guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        var result: [(String, String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let relative = String(url.path.dropFirst(sources.path.count + 1))
            let top = String(relative.prefix { $0 != "/" })
            result.append((top, relative, try String(contentsOf: url, encoding: .utf8)))
        }
        return result
    }

    @Test func noSlicesSQLNamesATableItDoesNotOwn() throws {
        let owner = Self.ownerOfTable
        let files = try Self.files()
        #expect(files.count > 100, "the sources were not found at \(Self.sources.path)")
        var violations: [String] = []
        for file in files {
            let slice = try #require(Self.folders[file.slice], "Sources/\(file.slice) is not in the slice map")
            for table in Self.tablesNamed(in: file.text, known: Set(owner.keys)) where owner[table] != slice {
                violations.append("\(file.path) names \(table), which \(owner[table] ?? "?") owns")
            }
        }
        #expect(violations.isEmpty, "\(violations.sorted().joined(separator: "\n"))")
    }

    @Test func everyTableIsCreatedByTheSliceTheMapSaysOwnsIt() throws {
        var created: [String: String] = [:]
        for file in try Self.files() {
            for match in file.text.matches(of: /CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)/) {
                let table = String(match.1)
                // `commission_lines` was created twice (version 7, then again in 8): one owner either way.
                #expect(created[table] == nil || created[table] == file.slice, "\(table) is created in \(created[table] ?? "") and \(file.slice)")
                created[table] = file.slice
            }
        }
        created["commission_lines_v7"] = "Commissions"   // renamed in version 8, dropped there too
        #expect(created == Self.ownerOfTable)
    }

    @Test func theCheckSeesATableReadAcrossSlices() {
        let owner = Self.ownerOfTable
        let sql = """
            // a comment may say FROM trade_deals
            let rows = try await sql.raw("SELECT l.amount FROM commission_lines l JOIN trade_deals t ON t.feed_seq = l.feed_seq")
            """
        #expect(Self.tablesNamed(in: sql, known: Set(owner.keys)) == ["commission_lines", "trade_deals"])
    }

    /// The pure cores depend on nothing but each other and Foundation, so they and their
    /// tests build without the database stack.
    @Test func pureCoresImportNoIOModule() throws {
        let pure: Set<String> = ["Money", "BrokerCore", "LedgerCore", "CommissionsCore"]
        let allowed: Set<String> = pure.union(["Foundation", "Glibc", "Musl", "Darwin"])
        for file in try Self.files() {
            let module = file.path.split(separator: "/").dropFirst(file.slice == "Money" || file.slice == "BrokerCore" ? 0 : 1).first.map(String.init) ?? ""
            guard pure.contains(module) else { continue }
            for match in file.text.matches(of: /(?m)^import (\w+)/) {
                #expect(allowed.contains(String(match.1)), "\(file.path) imports \(match.1)")
            }
        }
    }

    /// Adding a capability is one line in `App`: every capability a slice declares is
    /// listed in `Capabilities.all`, and every slice's migrations reach the schema
    /// through exactly one capability.
    @Test func everyCapabilityIsListedOnceInApp() throws {
        let files = try Self.files()
        let declared = files.flatMap { file in file.text.matches(of: /enum (\w+): Capability\b/).map { String($0.1) } }
        let listing = try #require(files.first { $0.path == "App/Capabilities.swift" }).text
        let listed = listing.matches(of: /(\w+Capability)\.self/).map { String($0.1) }
        #expect(declared.count == 8 && Set(declared) == Set(listed) && listed.count == Set(listed).count, "declared \(declared), listed \(listed)")
        let schemas = files.flatMap { file in file.text.matches(of: /public enum (\w+Schema) \{/).map { String($0.1) } }
        let used = files.flatMap { file in file.text.matches(of: /static let migrations = (\w+Schema)\.migrations/).map { String($0.1) } }
        #expect(!schemas.isEmpty && Set(schemas) == Set(used) && used.count == Set(used).count, "schemas \(schemas), used by capabilities \(used)")
    }
}
