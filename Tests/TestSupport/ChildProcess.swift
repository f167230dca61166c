import Foundation
import Platform

/// Runs the `pipstack` executable that `swift test` built next to the test bundle,
/// for tests that need a real process: exit codes, SIGKILL and restart.
public final class PipstackProcess: Sendable {
    public let process: Spawned

    public static var executable: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pipstack"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("pipstack"),
            Bundle.main.bundleURL.appendingPathComponent("pipstack"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard let executable = Self.executable else { throw CocoaError(.fileNoSuchFile) }
        var env = ProcessInfo.processInfo.environment
        env["PIPSTACK_LOG_LEVEL"] = env["PIPSTACK_LOG_LEVEL"] ?? "info"
        for (key, value) in environment { env[key] = value }
        process = try Spawned(executable.path, arguments, environment: env)
    }

    public var text: String { process.text }

    /// Runs to completion and returns the exit status and everything printed.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let child = try PipstackProcess(arguments, environment: environment)
        await child.process.waitForExit()
        await child.process.waitForOutputEnd()
        return (child.process.terminationStatus, child.text)
    }

    /// Waits until the server logs the port it listens on.
    public func listeningPort(timeout: Duration = .seconds(60)) async throws -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let range = text.range(of: "listening on 127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text.suffix(2_000))"])
    }

    public func kill() async {
        await process.kill()
    }

    public func terminate() async {
        process.signal(SIGTERM)
        await waitForExit()
    }

    /// Starts `pipstack serve` (or any listening command) `rounds` times and SIGKILLs
    /// it each time once it has listened for a while longer than the round before.
    public static func killRepeatedly(_ arguments: [String], environment: [String: String], rounds: Int = 3,
                                      firstAfter: Duration = .milliseconds(400), step: Duration = .milliseconds(300)) async throws {
        for round in 0..<rounds {
            let server = try PipstackProcess(arguments, environment: environment)
            _ = try await server.listeningPort()
            try await Task.sleep(for: firstAfter + step * round)
            await server.kill()
        }
    }

    public func waitForExit() async { await process.waitForExit() }
}


/// The database URL as `pipstack` takes it on its command line.
public enum DatabaseURLText {
    public static func of(_ url: Platform.DatabaseURL) -> String { url.commandLineText }
}
