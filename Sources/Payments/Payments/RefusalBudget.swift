import Foundation

/// How many refused deliveries one address may have kept: a bucket of `capacity` that
/// refills `perSecond`. Refused deliveries are stored for review, and anyone can send
/// one; beyond the budget they are answered 429 and not stored, so a flood cannot fill
/// the disk. Signed deliveries never draw on it.
public actor RefusalBudget {
    let capacity: Double
    let perSecond: Double
    private var buckets: [String: (tokens: Double, at: Double)] = [:]
    static let addresses = 10_000

    public init(capacity: Int = 60, perSecond: Double = 1) {
        self.capacity = Double(capacity)
        self.perSecond = perSecond
    }

    /// Takes one from `address`'s bucket at `now` (seconds); false when it is empty.
    public func take(_ address: String, now: Double) -> Bool {
        if buckets[address] == nil, buckets.count >= Self.addresses {
            // Forget only the addresses whose bucket has refilled (they lose nothing by it);
            // while too many remain, new addresses get no budget rather than a fresh one.
            let full = capacity / perSecond
            buckets = buckets.filter { now - $0.value.at < full }
            guard buckets.count < Self.addresses else { return false }
        }
        var bucket = buckets[address] ?? (capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * perSecond)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[address] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[address] = bucket
        return true
    }
}
