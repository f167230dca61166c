import BrokerCore
import Identity

extension WebServices {
    /// People's names for audit actors (`staff:usr_…`, `trader:usr_…`), so pages show
    /// who did something by name; system actors (`system`, `demo-seed`) keep theirs.
    package func actorNames(_ actors: some Sequence<String>) async throws -> [String: String] {
        var names: [String: String] = [:]
        for actor in Set(actors) {
            guard let colon = actor.firstIndex(of: ":"),
                  let user = try await identity.user(id: UserID(String(actor[actor.index(after: colon)...]))) else { continue }
            names[actor] = user.displayName
        }
        return names
    }
}
