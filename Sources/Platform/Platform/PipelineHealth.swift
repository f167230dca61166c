import Foundation

/// Which background pipelines run and which stopped on a broken invariant, for
/// `/readyz`, the back-office home and the logs. A stopped pipeline stays stopped
/// until the process restarts: it is a person's call, after a fix.
public actor PipelineHealth {
    public struct Stopped: Sendable, Equatable {
        public let pipeline: String
        public let reason: String
        public let at: Date
    }

    private var running: Set<String> = []
    private var stoppedByName: [String: Stopped] = [:]

    public init() {}

    func started(_ pipeline: String) {
        running.insert(pipeline)
    }

    /// Records that `pipeline` stopped and why.
    public func stop(_ pipeline: String, reason: String) {
        running.remove(pipeline)
        stoppedByName[pipeline] = Stopped(pipeline: pipeline, reason: reason, at: Date())
    }

    /// The pipelines that stopped, by name.
    public var stopped: [Stopped] {
        stoppedByName.values.sorted { $0.pipeline < $1.pipeline }
    }

    public var isHealthy: Bool { stoppedByName.isEmpty }
}
