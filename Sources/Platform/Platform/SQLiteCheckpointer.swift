import Dispatch
import Synchronization
import VaporCSQLite

/// Copies the write-ahead log back into the database file on its own thread and
/// connection, so that the ledger writer does not stop for checkpoints: under
/// SQLite's default, the writer itself checkpoints inside its commit.
///
/// Checkpoints are PASSIVE and never block the writer. If they fall far behind
/// (the log past `hardLimitFrames`), the writer checkpoints inline as SQLite
/// would, which bounds the log's size.
package final class SQLiteCheckpointer: @unchecked Sendable {
    // `handle` is touched only on `queue`.
    private let handle: SQLiteHandle
    private let queue = DispatchQueue(label: "pipstack.sqlite.checkpointer")
    private let running = Atomic<Bool>(false)
    package static let thresholdFrames: Int32 = 16_384
    package static let hardLimitFrames: Int32 = 262_144

    package init(path: String) throws {
        handle = try SQLiteHandle(path: path)
    }

    /// Replaces the writer connection's automatic checkpoints with this object.
    /// The writer must keep this object alive as long as its connection.
    package func attach(to writer: SQLiteHandle) {
        sqlite_nio_sqlite3_wal_hook(writer.raw, { context, connection, _, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
            if frames >= SQLiteCheckpointer.hardLimitFrames {
                _ = sqlite_nio_sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if frames >= SQLiteCheckpointer.thresholdFrames {
                checkpointer.checkpointInBackground()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func checkpointInBackground() {
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        queue.async {
            _ = sqlite_nio_sqlite3_wal_checkpoint_v2(self.handle.raw, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            self.running.store(false, ordering: .releasing)
        }
    }
}
