import LogStore

/// The reading side of a ``ForwardSession``: every record of the store above the mark, in sequence
/// order, encoded as JSONEachRow lines into the queue. First the committed segments, straight from
/// their blocks (``CommittedRowScan``, ``ClickHouseBlockEncoder``); then, from where that scan ends,
/// ``LogStore/follow(directory:filter:after:bufferSize:)`` (the WAL, live records, and anything
/// the scan left: a block it could not read is read and reported by the follower).
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
    private func scanSegments(after: UInt64) async -> UInt64 {
        var covered = after
        guard var scan = try? CommittedRowScan(directory: directory, after: after) else { return covered }
        let encoder = ClickHouseBlockEncoder(storeID: storeID)
        while !Task.isCancelled, let window = scan.next() {
            guard let rows = encoder.encode(window) else { break }
            if !rows.isEmpty {
                guard await queue.push(rows) else { break }
            }
            covered = window.through
        }
        return covered
    }
}
