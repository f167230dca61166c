import Foundation
import Platform

/// Runs the `pipstack` executable that `swift test` built next to the test bundle,
/// for tests that need a real process: exit codes, SIGKILL and restart.
public final class PipstackProcess: @unchecked Sendable {
    // `output` is guarded by `lock`; the rest is set once.
    public let process = Process()
    private let lock = NSLock()
    private var output = ""

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
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PIPSTACK_LOG_LEVEL"] = env["PIPSTACK_LOG_LEVEL"] ?? "info"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty, let self else { return }
            self.lock.lock()
            self.output += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    public var text: String {
        lock.lock(); defer { lock.unlock() }
        return output
    }

    /// Runs to completion and returns the exit status and everything printed.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let child = try PipstackProcess(arguments, environment: environment)
        while child.process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(50))   // let the pipe drain
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
        Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    public func terminate() async {
        process.terminate()
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

    /// Polls instead of `waitUntilExit`, which needs a run loop that test tasks do not have.
    public func waitForExit() async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }
}


/// The database URL as `pipstack` takes it on its command line.
public enum DatabaseURLText {
    public static func of(_ url: Platform.DatabaseURL) -> String { url.commandLineText }
}
