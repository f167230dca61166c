import BrokerCore
import Platform

/// Limits login attempts per client address in a sliding window, on top of the
/// per-account lock-out, so that one address cannot spray many accounts.
public actor LoginThrottle {
    private var attempts: [String: [Int64]] = [:]
    private let limit: Int
    private let windowMicros: Int64
    private let clock: any PipstackClock

    public init(limit: Int = 30, windowSeconds: Int64 = 300, clock: any PipstackClock) {
        self.limit = limit
        self.windowMicros = windowSeconds * 1_000_000
        self.clock = clock
    }

    /// Records an attempt; false when the address is over its limit.
    public func allow(_ address: String) -> Bool {
        let now = clock.nowMicros()
        var recent = (attempts[address] ?? []).filter { $0 > now - windowMicros }
        guard recent.count < limit else {
            attempts[address] = recent
            return false
        }
        recent.append(now)
        attempts[address] = recent
        if attempts.count > 50_000 { attempts = attempts.filter { ($0.value.last ?? 0) > now - windowMicros } }
        return true
    }
}
