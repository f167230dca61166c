import Dispatch

/// A C-API connection confined to one serial queue: how the hot paths (ledger,
/// deal and commission writers, the deal reader) reach SQLite without sqlite-nio's
/// per-statement thread hops. A writing connection gets a background checkpointer,
/// so its commits never stop to copy the log back into the database file.
package final class SQLiteConnectionQueue: @unchecked Sendable {
    /// Touched only inside `run`, on the queue.
    package let handle: SQLiteHandle
    private let queue: DispatchQueue
    private let checkpointer: SQLiteCheckpointer?

    package init(path: String, label: String, writes: Bool) throws {
        handle = try SQLiteHandle(path: path)
        queue = DispatchQueue(label: label)
        if writes {
            let checkpointer = try SQLiteCheckpointer(path: path)
            checkpointer.attach(to: handle)
            self.checkpointer = checkpointer
        } else {
            checkpointer = nil
        }
    }

    /// Runs `body` on the connection's queue; callers await it once per batch.
    package func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteHandle) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.handle) }) }
        }
    }
}
