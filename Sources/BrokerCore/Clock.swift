/// Time as microseconds since the Unix epoch, UTC: how Pipstack stores every instant.
///
/// Injected everywhere so simulations and crash tests are reproducible.
public protocol PipstackClock: Sendable {
    func nowMicros() -> Int64
}

/// A clock a test moves by hand.
public final class ManualClock: PipstackClock, @unchecked Sendable {
    // Guarded by `lock`; used from tests only.
    private var current: Int64
    private let lock = SpinLock()
    public init(micros: Int64) { current = micros }
    public func nowMicros() -> Int64 { lock.withLock { current } }
    public func advance(seconds: Int64) { lock.withLock { current += seconds * 1_000_000 } }
}

/// A minimal lock for the pure core, which may not depend on any package.
final class SpinLock: @unchecked Sendable {
    private let mutex = PthreadMutex()
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        mutex.lock(); defer { mutex.unlock() }
        return try body()
    }
}
