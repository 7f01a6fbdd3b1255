import Synchronization

/// The live subscriptions of a writing store, fed by the WAL committer with the batches it has just
/// made durable (docs/FORMAT.md, 4.2: each batch is one append's records frames).
///
/// The committer asks ``hasSubscribers`` (one atomic load) before it keeps anything for the hub, so
/// with nobody subscribed the append path does no extra work. ``publish(_:)`` runs on the committer
/// thread, walks the frames' rows in place, tests each subscriber's compiled query predicate against
/// the row (the same test queries apply to the in-memory head) and decodes a row only when it matches.
final class SubscriptionHub: Sendable {
    private struct State {
        var inboxes: [SubscriptionInbox] = []
        var closed = false
    }

    private let state = LockedState(State())
    private let count = Atomic<Int>(0)

    /// Whether anyone is subscribed: the committer keeps durable batches for ``publish(_:)`` only then.
    var hasSubscribers: Bool { count.load(ordering: .acquiring) > 0 }

    /// Registers `inbox`; throws when the store is closed.
    func add(_ inbox: SubscriptionInbox, path: String) throws(LogStoreError) {
        try state.withLock { (s) throws(LogStoreError) in
            if s.closed { throw LogStoreError(.closed, "the store is closed; open it again to subscribe", path: path) }
            s.inboxes.append(inbox)
            count.store(s.inboxes.count, ordering: .releasing)
        }
    }

    func remove(_ inbox: SubscriptionInbox) {
        state.withLock { s in
            s.inboxes.removeAll { $0 === inbox }
            count.store(s.inboxes.count, ordering: .releasing)
        }
    }

    /// Finishes every subscription (the store is closing) and refuses new ones.
    func close() {
        let all = state.withLock { s -> [SubscriptionInbox] in
            s.closed = true
            defer { s.inboxes = [] }
            count.store(0, ordering: .releasing)
            return s.inboxes
        }
        for inbox in all { inbox.finish() }
    }

    /// Delivers the matching records of durable batches, in sequence order. Never blocks on a consumer.
    func publish(_ batches: [RowBatch]) {
        let inboxes = state.withLock { $0.inboxes }
        guard !inboxes.isEmpty else { return }
        var done: [SubscriptionInbox] = []
        for batch in batches {
            forEachRow(of: batch) { row, correlationHash in
                var record: LogRecord?
                for inbox in inboxes {
                    guard (try? inbox.predicate.matches(row, correlationHash: correlationHash)) == true else { continue }
                    if record == nil { record = try? row.record() }
                    guard let record else { return }
                    if !inbox.push(record) && !done.contains(where: { $0 === inbox }) { done.append(inbox) }
                }
            }
        }
        for inbox in done { remove(inbox) }
    }

    /// Walks the rows of a batch's records frames. The frames were built and sealed by this process;
    /// their bytes are still bounds-checked, and a frame that does not scan is skipped.
    private func forEachRow(of batch: RowBatch, _ visit: (RowRef, UInt64) -> Void) {
        let bytes = batch.bytes
        let h = WALFormat.frameHeaderSize
        var offset = 0
        while offset + h <= bytes.count {
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            guard length <= bytes.count - offset - h else { return }
            let type = bytes[offset + 8]
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + h)..<(offset + h + length)])
            offset += h + length
            guard WALFormat.holdsRecords(type),
                  let payload = try? WALFrame.recordsAndCheckpoints(type: type, payload: payload).records,
                  payload.count >= 12, let base = payload.baseAddress else { continue }
            let first = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            var index: UInt64 = 0
            _ = try? WALFrame.scanRows(payload) { rowOffset, rowLength, view in
                let row = RowRef(timestamp: view.timestamp, sequence: first &+ index, row: base + rowOffset,
                                 length: Int32(rowLength), level: view.level)
                index += 1
                let hash = view.correlation.isEmpty ? 0 : CorrelationHash.hash(view.correlation)
                visit(row, hash)
            }
        }
    }
}
