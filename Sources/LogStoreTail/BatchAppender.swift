import Dispatch
import LogStore
import LogStoreIngest

/// Appends the tailer's batches on a queue of its own, in the order given, while the tailer reads and
/// parses the next one: reading and parsing use one core, the store the other (as one-shot
/// `logstore ingest` does).
///
/// Each batch's rows and positions are still appended in one frame. At most `depth` batches are in
/// flight. A small batch (at most ``inlineLimit`` bytes of rows: a tailer caught up with its files)
/// submitted while none is in flight is appended on the caller's thread before ``submit(rows:checkpoints:source:)``
/// returns: a line then reaches the WAL without waiting for the queue's thread to be woken and
/// scheduled, which on a loaded machine was one more wait of several milliseconds per line. After a failed append no later batch is appended, so no position is stored past records
/// that were not; the failure is thrown by the next ``submit(rows:checkpoints:source:)``, ``check()``
/// or ``waitIdle()``.
final class BatchAppender: Sendable {
    private struct State {
        var failure: String?
        var stored = 0
        var rejected = 0
        /// Emptied row buffers, to be filled again.
        var spare: [EncodedRows] = []
        /// Batches queued and not yet appended.
        var inFlight = 0
    }

    /// Most bytes of rows in a batch appended on the caller's thread when none is in flight.
    static let inlineLimit = 256 << 10

    private let store: LogStore
    private let queue = DispatchQueue(label: "LogStoreTail.BatchAppender")
    /// Batches that may still be put in flight.
    private let room: DispatchSemaphore
    private let state = LockedState(State())

    init(store: LogStore, depth: Int = 2) {
        self.store = store
        // Starts at zero and is raised to `depth`: libdispatch traps when a semaphore is freed with a
        // value below its initial one.
        room = DispatchSemaphore(value: 0)
        for _ in 0..<max(depth, 1) { room.signal() }
    }

    /// Records stored and records the store did not take, over the batches appended so far.
    var counts: (stored: Int, rejected: Int) { state.withLock { ($0.stored, $0.rejected) } }

    /// An empty row buffer (one handed back after its append, if there is one).
    func emptyRows() -> EncodedRows { state.withLock { $0.spare.popLast() } ?? EncodedRows() }

    /// Queues a batch; waits while `depth` batches are in flight. `source` names the file in an error.
    /// Only one thread submits (the tailer's): a batch appended on it while none is in flight cannot
    /// overtake a queued one.
    func submit(rows: EncodedRows, checkpoints: [Checkpoint], source: String) throws(TailError) {
        try check()
        if rows.bytes.count <= Self.inlineLimit, state.withLock({ $0.inFlight == 0 }) {
            append(rows: rows, checkpoints: checkpoints, source: source)
            try check()
            return
        }
        room.wait()
        state.withLock { $0.inFlight += 1 }
        queue.async { [self] in
            defer {
                state.withLock { $0.inFlight -= 1 }
                room.signal()
            }
            append(rows: rows, checkpoints: checkpoints, source: source)
        }
    }

    /// Appends one batch and counts it, unless an earlier one failed; a failure is kept for ``check()``.
    private func append(rows: EncodedRows, checkpoints: [Checkpoint], source: String) {
        guard state.withLock({ $0.failure == nil }) else { return }
        do {
            let receipt = try store.append(rows: rows, checkpoints: checkpoints)
            var emptied = rows
            emptied.removeAll()
            state.withLock { [emptied] in
                $0.stored += receipt.accepted
                $0.rejected += receipt.rejectedFuture + receipt.rejected.count + receipt.droppedExpired
                if $0.spare.count < 2 { $0.spare.append(emptied) }
            }
        } catch {
            state.withLock { $0.failure = "storing records from \(source) failed: \(error)" }
        }
    }

    /// Throws the failure of an earlier append, if one failed.
    func check() throws(TailError) {
        if let failure = state.withLock({ $0.failure }) { throw TailError(message: failure) }
    }

    /// Waits until every batch submitted is appended; throws if one failed.
    func waitIdle() throws(TailError) {
        queue.sync {}
        try check()
    }
}
