import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests.
///
/// Not Foundation's `Process`: on Linux its `run()` lists `/proc/self/fd` to close
/// inherited descriptors, and copies each entry's name with a fixed 256-byte read.
/// When the test process holds many descriptors (over a thousand, with the suites'
/// databases open in parallel), the last entry sits at the end of the buffer, the read
/// runs past it, and the whole test run dies with SIGSEGV (seen in CI; AddressSanitizer
/// names it a heap-buffer-overflow in `findMaximumOpenFromProcSelfFD`). Here nothing
/// lists descriptors: SQLite, NIO and this type open theirs close-on-exec, so the child
/// inherits only its stdio.
public final class Spawned: @unchecked Sendable {
    public let pid: pid_t
    // `output` and `status` are guarded by `lock`.
    private let lock = NSLock()
    private var output = Data()
    private var status: Int32?
    private var outputClosed = false

    /// Children still running when the test process exits are killed then: a test that
    /// fails before it stops its server would otherwise leave it running (a demo with
    /// its simulators kept a core busy for an hour after one failed run).
    private static let living = Mutex<Set<pid_t>>([])
    private static let killAtExit: Void = {
        atexit {
            for pid in Spawned.living.withLock({ $0 }) { _ = Glibc.kill(pid, SIGKILL) }
        }
    }()

    /// Spawns are serialised so that no other spawn inherits a pipe in the moment
    /// between its creation and its close-on-exec flag.
    private static let spawnLock = NSLock()

    /// Starts `executable` with `arguments`. With `captureOutput`, stdout and stderr
    /// are read into `text`; otherwise they go to /dev/null.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                captureOutput: Bool = true) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no blocked signals and default dispositions.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        Self.spawnLock.lock()
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeEnds) == 0 else { Self.spawnLock.unlock(); throw Self.failure("pipe", errno) }
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        if captureOutput { close(pipeEnds[1]) }
        Self.spawnLock.unlock()
        guard code == 0 else {
            if captureOutput { close(pipeEnds[0]) }
            throw Self.failure("posix_spawn \(executable)", code)
        }
        pid = child
        _ = Self.killAtExit
        Self.living.withLock { _ = $0.insert(child) }
        if captureOutput { startReading(pipeEnds[0]) }
    }

    /// Everything the child printed so far.
    public var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether the child is still running; reaps it once it has exited.
    public var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid || (result == -1 && errno == ECHILD) {
            status = result == pid ? raw : 0
            Self.living.withLock { _ = $0.remove(pid) }
            return false
        }
        return true
    }

    /// The exit code, or the signal number when a signal ended it (as `Process` reports).
    public var terminationStatus: Int32 {
        lock.lock(); defer { lock.unlock() }
        guard let status else { return -1 }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    /// Waits (up to `timeout`) until the child's output reached its end, after exit.
    public func waitForOutputEnd(timeout: Duration = .seconds(5)) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let closed = lock.withLock { outputClosed }
            if closed { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    public func signal(_ number: Int32) { Glibc.kill(pid, number) }

    /// Polls: the test tasks have no run loop to wait on. A child still running after
    /// `timeout` is killed, so that a stuck child fails its test instead of hanging the run.
    public func waitForExit(timeout: Duration = .seconds(120)) async {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline {
                signal(SIGKILL)
                while isRunning { usleep(5_000) }
                return
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILL, then reaps the child so it leaves no zombie.
    public func kill() async {
        signal(SIGKILL)
        await waitForExit()
    }

    /// SIGKILL without waiting: for `defer` blocks. The child is reaped on a thread.
    public func killNow() {
        signal(SIGKILL)
        let child = self
        Thread.detachNewThread { while child.isRunning { usleep(5_000) } }
    }

    private func startReading(_ descriptor: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    lock.lock()
                    output.append(contentsOf: buffer[0..<count])
                    lock.unlock()
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            close(descriptor)
            lock.lock()
            outputClosed = true
            lock.unlock()
        }
        thread.start()
    }

    private static func failure(_ what: String, _ code: Int32) -> any Error {
        CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(code)))"])
    }
}
