import Glibc
import LogStore

/// The hand-over from the task that reads the store (and encodes its records as JSONEachRow lines)
/// to the task that sends batches: bounded (the reader waits while it holds `capacity` records or
/// more), so catching up a long backlog takes bounded memory.
final class RecordQueue: Sendable {
    enum End: Sendable {
        case finished
        case failed(LogStoreError)
    }

    private struct State {
        var rows = EncodedLines()
        var end: End?
    }

    let capacity: Int
    private let state = LockedState(State())

    init(capacity: Int) { self.capacity = capacity }

    /// Adds `rows` (after those already queued), waiting while the queue is full. Returns false when
    /// the task was cancelled.
    func push(_ rows: EncodedLines) async -> Bool {
        while true {
            let added = state.withLock { state -> Bool in
                guard state.rows.count < capacity else { return false }
                state.rows.append(contentsOf: rows)
                return true
            }
            if added { return true }
            do { try await Task.sleep(for: .milliseconds(2)) } catch { return false }
        }
    }

    /// ``push(_:)-(EncodedLines)`` for a thread outside the cooperative pool: blocks while the queue is
    /// full (2 ms naps). Returns false once `stopped` says so.
    func pushWaiting(_ rows: EncodedLines, stopped: () -> Bool) -> Bool {
        while true {
            if stopped() { return false }
            let added = state.withLock { state -> Bool in
                guard state.rows.count < capacity else { return false }
                state.rows.append(contentsOf: rows)
                return true
            }
            if added { return true }
            usleep(2000)
        }
    }

    /// Adds the line of `record` of store `storeID` (encoded in place), waiting while the queue is
    /// full. Returns false when the task was cancelled.
    func push(_ record: LogRecord, storeID: String) async -> Bool {
        while true {
            let added = state.withLock { state -> Bool in
                guard state.rows.count < capacity else { return false }
                state.rows.append(record, storeID: storeID)
                return true
            }
            if added { return true }
            do { try await Task.sleep(for: .milliseconds(2)) } catch { return false }
        }
    }

    /// Marks the end of the records: the follower finished or failed.
    func finish(_ end: End) { state.withLock { $0.end = end } }

    /// Takes every waiting line, and the end if the reader has finished.
    func drain() -> (rows: EncodedLines, end: End?) {
        state.withLock { state in
            let rows = state.rows
            state.rows = EncodedLines()
            return (rows, state.end)
        }
    }
}
