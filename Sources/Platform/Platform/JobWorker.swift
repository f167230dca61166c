import Logging
import ServiceLifecycle

/// Runs queued jobs with registered handlers until the service group shuts down.
public struct JobWorker: Service {
    public typealias Handler = @Sendable (Job) async throws -> Void
    let queue: JobQueue
    let handlers: [String: Handler]
    let logger: Logger
    let pollInterval: Duration
    let health: PipelineHealth?

    public init(queue: JobQueue, handlers: [String: Handler], logger: Logger, pollInterval: Duration = .milliseconds(500), health: PipelineHealth? = nil) {
        self.queue = queue
        self.handlers = handlers
        self.logger = logger
        self.pollInterval = pollInterval
        self.health = health
    }

    public func run() async throws {
        await ServiceLoop(name: "job worker", every: pollInterval, health: health, logger: logger).run {
            try await runOnce() == 0 ? .idle : .busy
        }
    }

    /// Claims and runs one round of due jobs; returns how many ran.
    @discardableResult
    public func runOnce() async throws -> Int {
        let jobs = try await queue.claim(limit: 20)
        for job in jobs {
            guard let handler = handlers[job.kind] else {
                try await queue.fail(job, error: "no handler for job kind \(job.kind)")
                continue
            }
            do {
                try await handler(job)
                try await queue.complete(job.id)
            } catch {
                logger.warning("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
                try await queue.fail(job, error: "\(error)")
            }
        }
        return jobs.count
    }
}
