import BrokerCore
import Logging
import Storage

/// Keeps one trade server's deals in Pipstack, incrementally and exactly once.
///
/// Windows are in the server's own time (asked from it), so the host's clock does
/// not matter. Each window is stored with the cursor it advances, in one
/// transaction; deals are keyed by (server, ticket), so re-reading is harmless.
/// A pass reads from the cursor's second to the server's now; every
/// `sweepInterval` a pass starts `sweepOverlap` earlier, to pick up deals the server
/// recorded late with older times. Answers too large for one call are split.
public final class DealSync: Sendable {
    public struct Settings: Sendable {
        /// Which groups' deals to keep (MT5 mask).
        public var groupMask: String
        /// Where a new server's sync starts, before its first pass.
        public var initialLookbackSeconds: Int64
        public var maxWindowSeconds: Int64
        public var pollInterval: Duration
        public var sweepInterval: Duration
        public var sweepOverlapSeconds: Int64

        public init(groupMask: String = "*", initialLookbackSeconds: Int64 = 7 * 86_400, maxWindowSeconds: Int64 = 3_600,
                    pollInterval: Duration = .milliseconds(200), sweepInterval: Duration = .seconds(10), sweepOverlapSeconds: Int64 = 60) {
            self.groupMask = groupMask
            self.initialLookbackSeconds = initialLookbackSeconds
            self.maxWindowSeconds = maxWindowSeconds
            self.pollInterval = pollInterval
            self.sweepInterval = sweepInterval
            self.sweepOverlapSeconds = sweepOverlapSeconds
        }
    }

    /// How far one request may reach across time with no deals in it.
    static let longestWindowSeconds: Int64 = 30 * 86_400

    public let serverID: String
    let platform: any TradingPlatform
    let store: DealStore
    public let settings: Settings
    let logger: Logger

    public init(serverID: String, platform: any TradingPlatform, store: DealStore, settings: Settings = Settings(),
                logger: Logger = Logger(label: "pipstack.deal-sync")) {
        self.serverID = serverID
        self.platform = platform
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// One pass up to the server's present; returns how many new deals were stored.
    @discardableResult
    public func syncOnce(sweep: Bool = false) async throws -> Int {
        let now = try await platform.serverTime() / 1_000_000
        let state = try await store.syncState(of: serverID)
        let cursor = state.flatMap { $0.cursorTime > 0 ? $0.cursorTime : nil } ?? max(0, now - settings.initialLookbackSeconds)
        let from = sweep ? max(0, cursor - settings.sweepOverlapSeconds) : cursor
        return try await read(from: from, to: max(now, cursor), advancing: true)
    }

    /// Re-reads a range of server time (seconds) and stores whatever is missing; the
    /// cursor does not move back.
    @discardableResult
    public func resync(from: Int64, to: Int64) async throws -> Int {
        try await read(from: from, to: to, advancing: false)
    }

    private func read(from start: Int64, to end: Int64, advancing: Bool) async throws -> Int {
        var from = start
        var window = settings.maxWindowSeconds
        var stored = 0
        while from <= end {
            let to = min(end, from + window - 1)
            let deals: [TradeDeal]
            do {
                deals = try await platform.deals(DealQuery(scope: .groups(settings.groupMask), from: from, to: to))
            } catch TradingPlatformError.tooManyRecords(let count) where to > from {
                window = max(1, (to - from + 1) / 2)
                logger.info("deal answer too large; halving the window", metadata: ["records": "\(count)", "window": "\(window)"])
                continue
            }
            let cursor = advancing ? to : 0
            stored += try await store.store(DealSyncBatch(serverID: serverID, deals: deals, cursorTime: cursor))
            from = to + 1
            // Quiet stretches (a long re-sync, a new server) are crossed in growing steps.
            window = deals.isEmpty ? min(window * 4, Self.longestWindowSeconds) : min(max(window, 1) * 2, settings.maxWindowSeconds)
        }
        return stored
    }

    /// Syncs until cancelled. Failures are recorded for the back office and retried
    /// with backoff; they never stop other servers' syncs, which run on their own.
    public func run() async {
        let clock = ContinuousClock()
        var lastSweep = clock.now
        var failures = 0
        while !Task.isCancelled {
            do {
                let sweep = clock.now - lastSweep >= settings.sweepInterval
                if sweep { lastSweep = clock.now }
                try await syncOnce(sweep: sweep)
                failures = 0
                try? await Task.sleep(for: settings.pollInterval)
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                logger.warning("deal sync failed", metadata: ["server": "\(serverID)", "error": "\(error)"])
                try? await store.recordSyncError(serverID, "\(error)")
                try? await Task.sleep(for: .milliseconds(min(30_000, 250 * (1 << min(failures, 7)))))
            }
        }
    }
}
