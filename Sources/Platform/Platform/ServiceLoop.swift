import BrokerCore
import Logging
import ServiceLifecycle

/// The one loop every background service runs: do a round of work, wait, repeat
/// until shutdown.
///
/// - A transient fault is logged with the database's own message and retried after
///   a back-off that doubles with each failure in a row (reset after a quiet minute).
/// - An error that retrying cannot fix (`StopsPipeline`: a broken invariant, corrupt
///   data, a wrong configuration) stops the loop: it is logged as critical and the
///   pipeline is marked stopped in `PipelineHealth`, which `/readyz` and the
///   back-office home show. The loop then waits for the process to shut down instead
///   of returning (`parkWhenStopped`): a service that returns ends its whole
///   `ServiceGroup`, and the web server and the other pipelines must keep running.
///   A person restarts pipstack after a fix.
public struct ServiceLoop: Sendable {
    /// What a round reports.
    public enum Round: Sendable {
        /// There may be more to do: start the next round at once.
        case busy
        /// Nothing left for now: wait `every` before the next round.
        case idle
        /// The work ended for good (a stream that finished): leave the loop.
        case finished
    }

    public let name: String
    /// The pause after an idle round.
    public let every: Duration
    /// The pause before the first round.
    public let startAfter: Duration
    public let health: PipelineHealth?
    public let logger: Logger
    /// Extra log metadata (the server a sync loop serves, say).
    public let metadata: Logger.Metadata
    /// The first retry delay; each failure in a row doubles it, up to `maximumBackoff`.
    public let baseBackoff: Duration
    public let maximumBackoff: Duration
    /// Whether a stopped loop waits for shutdown (in a service) or returns (tests of the loop itself).
    public let parkWhenStopped: Bool

    public init(name: String, every: Duration, startAfter: Duration = .zero, health: PipelineHealth? = nil, logger: Logger,
                metadata: Logger.Metadata = [:], baseBackoff: Duration = .milliseconds(250), maximumBackoff: Duration = .seconds(30),
                parkWhenStopped: Bool = true) {
        self.parkWhenStopped = parkWhenStopped
        self.name = name
        self.every = every
        self.startAfter = startAfter
        self.health = health
        self.logger = logger
        self.metadata = metadata
        self.baseBackoff = baseBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// Runs `round` until the service group shuts down, the task is cancelled, a
    /// round reports `.finished` or an error stops the pipeline. `onFailure` sees
    /// every transient failure (to record it for the back office, say).
    public func run(onFailure: (@Sendable (any Error) async -> Void)? = nil, _ round: @Sendable () async throws -> Round) async {
        await health?.started(name)
        if startAfter > .zero { try? await Task.sleep(for: startAfter) }
        var failures = 0
        var lastFailure = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                switch try await round() {
                case .busy: continue
                case .finished: return
                case .idle: try? await Task.sleep(for: every)
                }
            } catch is CancellationError {
                return
            } catch let error as any StopsPipeline where error.stopsPipeline {
                await stop(error)
                if parkWhenStopped { await Self.parkUntilShutdown() }
                return
            } catch {
                if Task.isCancelled { return }
                if ContinuousClock.now - lastFailure > .seconds(60) { failures = 0 }
                lastFailure = .now
                failures += 1
                let delay = backoff(afterFailures: failures)
                var details = metadata
                details["error"] = "\(DatabaseMessage.of(error))"
                details["retry_in"] = "\(delay)"
                logger.warning("\(name) failed; retrying", metadata: details)
                await onFailure?(error)
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// Runs one step of a round whose steps are independent (the period-end work):
    /// a transient failure is logged and the round goes on with the next step; an
    /// error that stops the pipeline is rethrown.
    public func step(_ what: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as any StopsPipeline where error.stopsPipeline {
            throw error
        } catch {
            var details = metadata
            details["error"] = "\(DatabaseMessage.of(error))"
            logger.warning("\(what) failed", metadata: details)
        }
    }

    /// The delay after `failures` failures in a row: base × 2^failures, capped.
    public func backoff(afterFailures failures: Int) -> Duration {
        min(maximumBackoff, baseBackoff * (1 << min(failures, 16)))
    }

    /// Waits, doing nothing, until the service group shuts down or the task is cancelled.
    public static func parkUntilShutdown() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func stop(_ error: any Error) async {
        var details = metadata
        details["error"] = "\(DatabaseMessage.of(error))"
        logger.critical("\(name) stopped: retrying cannot fix this; fix the cause and restart pipstack", metadata: details)
        await health?.stop(name, reason: DatabaseMessage.of(error))
    }
}
