import LogStore

/// The reading side of a ``ForwardSession``: every record of the store above the mark, in sequence
/// order, encoded as JSONEachRow lines into the queue. First the committed segments, straight from
/// their blocks (``CommittedRowScan``, ``ClickHouseBlockEncoder``), on a thread of its own; then, from
/// where that scan ends, ``LogStore/follow(directory:filter:after:bufferSize:)`` (the WAL, live
/// records, and anything the scan left: a block it could not read is read and reported by the follower).
struct ForwardReader: Sendable {
    let directory: String
    let storeID: String
    let queue: RecordQueue
    let forwarder: ClickHouseForwarder

    /// Reads from `after` until cancelled or the follower ends; the end goes to the queue.
    func run(after: UInt64) async {
        let followFrom = await scanSegments(after: after)
        guard !Task.isCancelled else { return }
        do throws(LogStoreError) {
            let follower = try LogStore.follow(directory: directory, after: followFrom, bufferSize: 4096)
            defer { follower.cancel() }
            for try await event in follower {
                switch event {
                case .record(let record): guard await queue.push(record, storeID: storeID) else { return }
                case .damaged(let report): forwarder.reportDamage(report)
                case .lagged: break   // a follower never drops records (LogFollower's contract)
                }
            }
            queue.finish(.finished)
        } catch {
            queue.finish(.failed(error))
        }
    }

    /// Queues what the committed segments hold above `after`; returns where the follower starts.
    /// Any failure only ends the scan early: the follower reads from there.
    ///
    /// The scan reads and decodes block after block and waits on the full queue: blocking work, so it
    /// runs on a thread of its own, never on the cooperative pool (a backlog would hold one of its
    /// few threads for as long as it lasts, and the scan would stall whenever the pool is busy).
    private func scanSegments(after: UInt64) async -> UInt64 {
        let stopped = LockedState(false)
        let directory = self.directory, storeID = self.storeID, queue = self.queue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<UInt64, Never>) in
                let started = startThread(name: "logstore-fwd-scan") {
                    done.resume(returning: Self.scan(directory: directory, storeID: storeID, after: after, into: queue) {
                        stopped.withLock { $0 }
                    })
                }
                if !started { done.resume(returning: after) }   // no thread: the follower reads everything
            }
        } onCancel: {
            stopped.withLock { $0 = true }
        }
    }

    /// The scan itself (blocking): windows of committed rows, encoded and queued, until the scan ends,
    /// a row does not encode, or `stopped`. Returns the last sequence number covered.
    static func scan(directory: String, storeID: String, after: UInt64, into queue: RecordQueue,
                     stopped: () -> Bool) -> UInt64 {
        var covered = after
        guard var scan = try? CommittedRowScan(directory: directory, after: after) else { return covered }
        let encoder = ClickHouseBlockEncoder(storeID: storeID)
        while !stopped(), let window = scan.next() {
            guard let rows = encoder.encode(window) else { break }
            if !rows.isEmpty {
                guard queue.pushWaiting(rows, stopped: stopped) else { break }
            }
            covered = window.through
        }
        return covered
    }
}
