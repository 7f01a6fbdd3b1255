import Synchronization
import LogStoreFormat

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
    ///
    /// A frame, row or record that does not decode is reported to the subscribers that may have wanted
    /// it as a `.damaged` event (never dropped silently): `file` is the WAL file being written
    /// (`walFile`) and `offset` the byte within the append's frames, which the reason says.
    func publish(_ batches: [RowBatch], walFile: String) {
        let inboxes = state.withLock { $0.inboxes }
        guard !inboxes.isEmpty else { return }
        var done: [SubscriptionInbox] = []
        func deliver(_ inbox: SubscriptionInbox, _ event: LogSubscription.Event) {
            if !inbox.push(event) && !done.contains(where: { $0 === inbox }) { done.append(inbox) }
        }
        for batch in batches {
            let base = batch.bytes.baseAddress
            forEachRow(of: batch, walFile: walFile) { item in
                let row: RowRef, correlationHash: UInt64
                switch item {
                case .damaged(let damage):
                    for inbox in inboxes { deliver(inbox, .damaged(damage)) }
                    return
                case .row(let r, let hash):
                    (row, correlationHash) = (r, hash)
                }
                let at = base.map { row.row - $0 } ?? 0
                func damage(_ why: String) -> DamageReport {
                    DamageReport(file: walFile, offset: at, length: Int(row.length),
                                 reason: "record \(row.sequence) does not decode (at byte \(at) of its append's frames): \(why)",
                                 records: 1)
                }
                var record: Result<LogRecord, FormatError>?
                for inbox in inboxes {
                    do throws(FormatError) {
                        guard try inbox.predicate.matches(row, correlationHash: correlationHash) else { continue }
                    } catch {
                        deliver(inbox, .damaged(damage(error.reason)))
                        continue
                    }
                    if record == nil { record = Result { () throws(FormatError) in try row.record() } }
                    switch record {
                    case .success(let r): deliver(inbox, .record(r))
                    case .failure(let error): deliver(inbox, .damaged(damage(error.reason)))
                    case nil: break
                    }
                }
            }
        }
        for inbox in done { remove(inbox) }
    }

    /// What ``forEachRow(of:walFile:_:)`` finds: a row, or a stretch it cannot read.
    private enum Item {
        case row(RowRef, correlationHash: UInt64)
        case damaged(DamageReport)
    }

    /// Walks the rows of a batch's records frames. The frames were built and sealed by this process;
    /// their bytes are still bounds-checked, and a frame or row that does not scan is reported.
    private func forEachRow(of batch: RowBatch, walFile: String, _ visit: (Item) -> Void) {
        let bytes = batch.bytes
        let h = WALFormat.frameHeaderSize
        var offset = 0
        func damaged(_ at: Int, _ length: Int, _ why: String) {
            visit(.damaged(DamageReport(file: walFile, offset: at, length: length,
                                        reason: "records frame does not decode (at byte \(at) of an append's frames): \(why)")))
        }
        while offset + h <= bytes.count {
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            guard length <= bytes.count - offset - h else {
                damaged(offset, bytes.count - offset, "its length \(length) runs past the append's \(bytes.count) bytes")
                return
            }
            let type = bytes[offset + 8]
            let frameStart = offset
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + h)..<(offset + h + length)])
            offset += h + length
            guard WALFormat.holdsRecords(type) else { continue }
            let records: UnsafeRawBufferPointer
            do throws(FormatError) {
                records = try WALFrame.recordsAndCheckpoints(type: type, payload: payload).records
            } catch {
                damaged(frameStart, h + length, error.reason)
                continue
            }
            // A checkpoint-only frame (docs/FORMAT.md 9.1) holds no rows.
            if type == WALFormat.checkpointsFrameType, (try? WALFrame.recordCount(records)) == 0 { continue }
            guard records.count >= 12, let base = records.baseAddress else {
                if !records.isEmpty { damaged(frameStart, h + length, "its records part is \(records.count) bytes, under 12") }
                continue
            }
            let first = UInt64(littleEndian: records.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            var index: UInt64 = 0
            do throws(FormatError) {
                _ = try WALFrame.scanRows(records) { rowOffset, rowLength, view in
                    let row = RowRef(timestamp: view.timestamp, sequence: first &+ index, row: base + rowOffset,
                                     length: Int32(rowLength), level: view.level)
                    index += 1
                    let hash = view.correlation.isEmpty ? 0 : CorrelationHash.hash(view.correlation)
                    visit(.row(row, correlationHash: hash))
                }
            } catch {
                damaged(frameStart, h + length, "row \(index) (sequence \(first &+ index)) and the rows after it: \(error.reason)")
            }
        }
    }
}
