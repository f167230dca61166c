import BrokerCore
import Clients
import Foundation
import Synchronization

/// The countries clients are in, for the client list's country filter: read from the
/// Clients slice at most once a minute (the list is drawn on every view, and the set of
/// countries hardly moves), named in the reader's language.
final class ClientCountryList: Sendable {
    private let store: ClientEventStore
    private let clock: any PipstackClock
    private let cached = Mutex<(codes: [String], takenAt: Int64)?>(nil)

    init(store: ClientEventStore, clock: any PipstackClock) {
        self.store = store
        self.clock = clock
    }

    func options(_ language: Language) async throws -> [(code: String, name: String)] {
        let now = clock.nowMicros()
        let codes: [String]
        if let known = cached.withLock({ $0 }), now - known.takenAt < 60_000_000 {
            codes = known.codes
        } else {
            codes = try await store.countries()
            cached.withLock { $0 = (codes, now) }
        }
        let locale = Locale(identifier: language.rawValue)
        return codes.map { (code: $0, name: locale.localizedString(forRegionCode: $0) ?? $0) }
            .sorted { $0.name.compare($1.name, locale: locale) == .orderedAscending }
    }
}
