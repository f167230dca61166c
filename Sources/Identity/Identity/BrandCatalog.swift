import BrokerCore
import Synchronization
import Platform

/// The brands every request is matched against, kept fresh: a save in this process
/// takes effect at once, a save by another instance (or the CLI) within
/// `maxAge` seconds, without a restart.
public final class BrandCatalog: Sendable {
    private let store: BrandStore?
    private let clock: any PipstackClock
    private let state: Mutex<(directory: BrandDirectory, loadedAt: Int64)>
    public static let maxAgeMicros: Int64 = 30_000_000

    public init(brands: [Brand], store: BrandStore?, clock: any PipstackClock) {
        self.store = store
        self.clock = clock
        state = Mutex((BrandDirectory(brands: brands), clock.nowMicros()))
    }

    /// The directory, reloaded from the database when it is older than `maxAge`.
    /// A failed reload keeps serving the brands already known.
    public func directory() async -> BrandDirectory {
        let now = clock.nowMicros()
        let (directory, loadedAt) = state.withLock { ($0.directory, $0.loadedAt) }
        guard let store, now - loadedAt > Self.maxAgeMicros else { return directory }
        state.withLock { $0.loadedAt = now }   // one reload at a time is enough
        return (try? await reload(from: store)) ?? directory
    }

    @discardableResult
    public func reload() async throws -> BrandDirectory {
        guard let store else { return state.withLock { $0.directory } }
        return try await reload(from: store)
    }

    private func reload(from store: BrandStore) async throws -> BrandDirectory {
        let brands = try await store.all()
        let directory = BrandDirectory(brands: brands)
        if !brands.isEmpty { state.withLock { $0 = (directory, clock.nowMicros()) } }
        return directory
    }
}
