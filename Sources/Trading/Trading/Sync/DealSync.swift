import BrokerCore
import Logging
import Platform

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
        /// Deals one request should bring, about: windows shrink and grow to match
        /// the density of the history.
        public var targetDealsPerRequest: Int
        /// How often the server's symbols (their folders decide instrument groups) are read again.
        public var symbolRefreshInterval: Duration

        public init(groupMask: String = "*", initialLookbackSeconds: Int64 = 7 * 86_400, maxWindowSeconds: Int64 = 10,
                    pollInterval: Duration = .milliseconds(200), sweepInterval: Duration = .seconds(10), sweepOverlapSeconds: Int64 = 60,
                    targetDealsPerRequest: Int = 10_000, symbolRefreshInterval: Duration = .seconds(300)) {
            self.symbolRefreshInterval = symbolRefreshInterval
            self.targetDealsPerRequest = targetDealsPerRequest
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

    public let serverID: ServerID
    let platform: any TradingPlatform
    /// Sweeps read over their own connection, so a long one never delays new deals.
    let sweepPlatform: any TradingPlatform
    let store: DealStore
    public let settings: Settings
    let logger: Logger
    let health: PipelineHealth?

    public init(serverID: ServerID, platform: any TradingPlatform, sweepPlatform: (any TradingPlatform)? = nil, store: DealStore,
                settings: Settings = Settings(), logger: Logger = Logger(label: "pipstack.deal-sync"), health: PipelineHealth? = nil) {
        self.health = health
        self.serverID = serverID
        self.platform = platform
        self.sweepPlatform = sweepPlatform ?? platform
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// Reads the server's symbols into the `SymbolDirectory`; returns how many changed.
    @discardableResult
    public func refreshSymbols() async throws -> Int {
        try await SymbolDirectory(db: store.db).record(try await sweepPlatform.symbols(), server: serverID)
    }

    /// One pass up to the server's present; returns how many new deals were stored.
    @discardableResult
    public func syncOnce(sweep: Bool = false) async throws -> Int {
        let now = try await platform.serverTime() / 1_000_000
        let state = try await store.syncState(of: serverID)
        let cursor = state.flatMap { $0.cursorTime > 0 ? $0.cursorTime : nil } ?? max(0, now - settings.initialLookbackSeconds)
        let from = sweep ? max(0, cursor - settings.sweepOverlapSeconds) : cursor
        return try await read(from: from, to: max(now, cursor), advancing: true, over: platform, window: settings.maxWindowSeconds)
    }

    /// Re-reads a range of server time (seconds) and stores whatever is missing; the
    /// cursor does not move back.
    @discardableResult
    public func resync(from: Int64, to: Int64) async throws -> Int {
        let stored = try await read(from: from, to: to, advancing: false, over: sweepPlatform, window: settings.maxWindowSeconds)
        return stored + (try await storeDeletions(from: from, to: to))
    }

    /// Trades stored for [from, to] (seconds) that the server no longer has, because
    /// a dealer deleted them, stored again as cancelled (a buy becomes a cancelled
    /// buy), so that what they earned is reversed. Each day's stored trades are asked
    /// for by their logins, so an account moved out of the group mask is not taken
    /// for deleted. Returns how many were found.
    func storeDeletions(from: Int64, to: Int64) async throws -> Int {
        var found = 0
        var day = from
        while day <= to {
            let end = min(to, day + 86_399)
            let stored = try await store.trades(serverID: serverID, from: day * 1_000_000, to: (end + 1) * 1_000_000)
            if !stored.isEmpty {
                let logins = Array(Set(stored.map(\.login))).sorted { $0.value < $1.value }
                var present: Set<UInt64> = []
                var pending = stride(from: 0, to: logins.count, by: Self.loginsPerRequest).map { logins[$0..<min($0 + Self.loginsPerRequest, logins.count)] }
                while let chunk = pending.popLast() {
                    do {
                        for deal in try await sweepPlatform.deals(DealQuery(scope: .logins(Array(chunk)), from: day, to: end)) { present.insert(deal.ticket) }
                    } catch let error as TradingPlatformError where error.asksForLess && chunk.count > 1 {
                        let middle = chunk.startIndex + chunk.count / 2
                        pending += [chunk[chunk.startIndex..<middle], chunk[middle..<chunk.endIndex]]
                    }
                }
                let deleted = stored.filter { !present.contains($0.ticket) }.map { deal -> TradeDeal in
                    var cancelled = deal
                    cancelled.action = deal.action == .buy ? .buyCanceled : .sellCanceled
                    cancelled.comment = "deleted on the trade server"
                    return cancelled
                }
                if !deleted.isEmpty {
                    logger.notice("deals deleted on the trade server stored as cancelled",
                                  metadata: ["server": "\(serverID)", "tickets": "\(deleted.map(\.ticket))"])
                    found += try await store.store(DealSyncBatch(serverID: serverID, deals: deleted, cursorTime: 0))
                }
            }
            day = end + 1
        }
        return found
    }

    /// Reads windows from `start` to `end` in order. The next window is fetched
    /// while the previous one is being stored, so the server, the parsing and the
    /// database work side by side; stores still happen one after another, in order,
    /// each with the cursor it advances.
    private func read(from start: Int64, to end: Int64, advancing: Bool, over source: any TradingPlatform, window first: Int64) async throws -> Int {
        var from = start
        var window = first
        var stored = 0
        var storing: Task<Int, any Error>? = nil
        do {
            while from <= end {
                let fetched = try await fetchWindow(from: from, to: end, window: window, over: source)
                if let storing { stored += try await storing.value }
                let batch = DealSyncBatch(serverID: serverID, deals: fetched.deals, cursorTime: advancing ? fetched.to : 0)
                storing = Task { [store] in try await store.store(batch) }
                (from, window) = (fetched.to + 1, fetched.window)
            }
            if let storing { stored += try await storing.value }
        } catch {
            // A failed fetch still lets the store in flight finish: it is complete and atomic on its own.
            if let storing { _ = try? await storing.value }
            throw error
        }
        return stored
    }

    /// Fetches one window starting at `from` (narrowed until the answer fits) and
    /// says where it ended and how wide the next should be.
    private func fetchWindow(from: Int64, to end: Int64, window start: Int64,
                             over source: any TradingPlatform) async throws -> (deals: [TradeDeal], to: Int64, window: Int64) {
        var window = start
        while true {
            let to = min(end, from + window - 1)
            let deals: [TradeDeal]
            do {
                deals = try await source.deals(DealQuery(scope: .groups(settings.groupMask), from: from, to: to))
            } catch let error as TradingPlatformError where error.asksForLess {
                if to > from {
                    window = max(1, (to - from + 1) / 8)
                    logger.info("deal answer too large; narrowing the window", metadata: ["error": "\(error)", "window": "\(window)"])
                    continue
                }
                logger.notice("one second holds more deals than one answer; reading it by logins", metadata: ["second": "\(from)"])
                deals = try await secondByLogins(from, over: source)
            }
            // Aim the next request at about `targetDealsPerRequest`, judging by this one's density;
            // quiet stretches (a long re-sync, a new server) are crossed in long steps.
            let span = to - from + 1
            let aimed = deals.isEmpty ? window * 4 : max(1, Int64(settings.targetDealsPerRequest) * span / Int64(deals.count))
            let next = min(max(1, aimed), deals.isEmpty ? Self.longestWindowSeconds : max(settings.maxWindowSeconds, aimed))
            return (deals, to, next)
        }
    }

    /// One second's deals when the whole group's do not fit one answer: the group's
    /// logins in chunks, each chunk halved until its answer fits. Only a single
    /// account with more deals in one second than one answer carries is refused.
    func secondByLogins(_ second: Int64, over source: any TradingPlatform) async throws -> [TradeDeal] {
        let logins = try await source.logins(groupMask: settings.groupMask)
        var pending = stride(from: 0, to: logins.count, by: Self.loginsPerRequest).map { logins[$0..<min($0 + Self.loginsPerRequest, logins.count)] }
        var deals: [TradeDeal] = []
        while let chunk = pending.popLast() {
            do {
                deals += try await source.deals(DealQuery(scope: .logins(Array(chunk)), from: second, to: second))
            } catch let error as TradingPlatformError where error.asksForLess && chunk.count > 1 {
                let middle = chunk.startIndex + chunk.count / 2
                pending += [chunk[chunk.startIndex..<middle], chunk[middle..<chunk.endIndex]]
            }
        }
        return deals.sorted { ($0.time, $0.ticket) < ($1.time, $1.ticket) }
    }

    static let loginsPerRequest = 1_000

    /// Syncs until cancelled: the server's symbols first (so the first deals are
    /// grouped by the server's folders), then incremental passes every `pollInterval`,
    /// sweeps for late deals every `sweepInterval` alongside over the sweep connection,
    /// and the symbols again every `symbolRefreshInterval`.
    /// Failures are recorded for the back office and retried with backoff; they
    /// never stop other servers' syncs, which run on their own.
    public func run() async {
        do { try await refreshSymbols() } catch {
            logger.warning("the trade server's symbols could not be read; retried later", metadata: ["server": "\(serverID)", "error": "\(error)"])
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.repeatedly(every: self.settings.symbolRefreshInterval, startingAfterPause: true) { try await self.refreshSymbols() }
            }
            group.addTask { await self.repeatedly(every: self.settings.pollInterval) { try await self.syncOnce() } }
            group.addTask {
                await self.repeatedly(every: self.settings.sweepInterval, startingAfterPause: true) {
                    guard let cursor = try await self.store.syncState(of: self.serverID)?.cursorTime, cursor > 0 else { return }
                    _ = try await self.read(from: max(0, cursor - self.settings.sweepOverlapSeconds), to: cursor, advancing: false,
                                            over: self.sweepPlatform, window: 1)
                }
            }
        }
    }

    private func repeatedly(every pause: Duration, startingAfterPause: Bool = false, _ body: @Sendable @escaping () async throws -> Void) async {
        let loop = ServiceLoop(name: "deal sync \(serverID)", every: pause, startAfter: startingAfterPause ? pause : .zero, health: health,
                               logger: logger, metadata: ["server": "\(serverID)"])
        await loop.run(onFailure: { error in try? await self.store.recordSyncError(self.serverID, DatabaseMessage.of(error)) }) {
            try await body()
            return .idle
        }
    }
}

extension TradingPlatformError {
    /// The server had more to say than one answer may carry.
    var asksForLess: Bool {
        switch self {
        case .tooManyRecords, .answerTooLarge: true
        default: false
        }
    }
}
