extension LogStore {
    /// Appends one record. See ``append(_:)-(some Sequence<LogRecord>)``.
    @discardableResult
    public func append(_ record: LogRecord) throws(LogStoreError) -> AppendReceipt {
        try append(CollectionOfOne(record))
    }

    /// Appends a batch of records and returns once they are acknowledged under the store's
    /// ``Durability``: with `.sync` after the WAL is synced (the calling thread blocks; concurrent
    /// appenders share the sync), otherwise once queued for the WAL.
    ///
    /// Records older than the retention period are dropped and counted, records too far in the future
    /// or invalid are rejected and counted; the rest get consecutive sequence numbers. The receipt says
    /// which. Throws only when nothing could be stored (closed, read-only, a failed WAL write).
    @discardableResult
    public func append(_ records: some Sequence<LogRecord>) throws(LogStoreError) -> AppendReceipt {
        let receipt = try enqueue(records)
        if receipt.accepted > 0, options.durability == .sync, let committer {
            try committer.waitDurable(receipt.lsn)
        }
        return receipt
    }

    /// Appends a batch like ``append(_:)-(some Sequence<LogRecord>)`` but suspends instead of
    /// blocking a thread while waiting for the sync in `.sync` mode.
    @discardableResult
    public func appendAsync(_ records: some Sequence<LogRecord>) async throws -> AppendReceipt {
        let receipt = try enqueue(records)
        if receipt.accepted > 0, options.durability == .sync, let committer {
            try await committer.waitDurableAsync(receipt.lsn)
        }
        return receipt
    }

    /// Waits until the append behind `receipt` is durable on disk. With `.batch` this is at most one
    /// batch interval; with `.none` it forces a sync.
    public func waitUntilDurable(_ receipt: AppendReceipt) async throws {
        guard receipt.accepted > 0, let committer else { return }
        try await committer.waitDurableAsync(receipt.lsn, force: options.durability == .none)
    }

    /// Makes every append so far durable now, whatever the durability mode.
    public func sync() throws(LogStoreError) {
        guard let committer else { throw readOnlyError() }
        try committer.waitDurable(committer.lastAppendedLSN, force: true)
    }

    func readOnlyError() -> LogStoreError {
        LogStoreError(.readOnly, "the store was opened read-only; open it without readOnly to write", path: path)
    }

    private func enqueue(_ records: some Sequence<LogRecord>) throws(LogStoreError) -> AppendReceipt {
        guard let committer else { throw readOnlyError() }
        let now = options.clock()
        let (retentionSeconds, closing) = state.withLock { (shared.settings.retentionSeconds, shared.closing) }
        if closing { throw LogStoreError(.closed, "the store is closed", path: path) }
        let oldest = now &- retentionSeconds &* 1_000_000_000
        let newest = now &+ options.maxFutureSkew.nanoseconds
        var receipt = AppendReceipt()
        var rows = ByteWriter(capacity: 64 << 10)
        var rowEnds: [Int] = []
        var accepted: [LogRecord] = []
        var estimates: [Int] = []
        for (index, record) in records.enumerated() {
            if record.timestamp < oldest { receipt.droppedExpired += 1; continue }
            if record.timestamp > newest { receipt.rejectedFuture += 1; continue }
            if let id = record.correlationID, id.utf8.count > RecordLimits.maxCorrelationIDBytes {
                receipt.rejected.append((index, "correlation ID is \(id.utf8.count) bytes, the limit is \(RecordLimits.maxCorrelationIDBytes)"))
                continue
            }
            let start = rows.count
            RowCodec.encode(record, into: &rows)
            let size = rows.count - start
            if size > options.maxRecordBytes {
                rows.truncate(to: start)
                receipt.rejected.append((index, "record is \(size) bytes, the limit is \(options.maxRecordBytes)"))
                continue
            }
            rowEnds.append(rows.count)
            accepted.append(record)
            estimates.append(size)
        }
        guard !accepted.isEmpty else {
            state.withLock { count(receipt) }
            return receipt
        }
        try committer.waitForRoom()
        try waitForFlushRoom()
        var frames = ByteWriter(capacity: rows.count + 64)
        let monotonic = monotonicNanos()
        var rotate = false
        try state.withLock { () throws(LogStoreError) in
            if shared.closing { throw LogStoreError(.closed, "the store is closed", path: path) }
            let first = shared.nextSequence
            // Frames of at most ~1 MiB so a reader never needs a huge buffer for one frame.
            rows.bytes.withUnsafeBytes { all in
                var start = 0
                var i = 0
                while i < rowEnds.count {
                    let firstIndex = i
                    while i < rowEnds.count && (rowEnds[i] - start < 1 << 20 || i == firstIndex) { i += 1 }
                    let end = rowEnds[i - 1]
                    WALFrame.appendRecordsFrame(firstSequence: first + UInt64(firstIndex), count: i - firstIndex,
                                                rows: UnsafeRawBufferPointer(rebasing: all[start..<end]), into: &frames)
                    start = end
                }
            }
            receipt.lsn = try committer.enqueue(frames.take())
            shared.nextSequence = first + UInt64(accepted.count)
            for (i, var r) in accepted.enumerated() {
                r.sequence = first + UInt64(i)
                shared.head.append(r, estimate: estimates[i], now: monotonic)
            }
            receipt.accepted = accepted.count
            receipt.firstSequence = first
            receipt.lastSequence = first + UInt64(accepted.count - 1)
            count(receipt)
            rotate = shared.head.estimatedBytes >= options.headFlushBytes
        }
        if rotate { try rotateHead(force: false) }
        return receipt
    }

    /// Call under `state`.
    private func count(_ receipt: AppendReceipt) {
        shared.counters.appended += receipt.accepted
        shared.counters.droppedExpired += receipt.droppedExpired
        shared.counters.rejectedFuture += receipt.rejectedFuture
        shared.counters.rejectedInvalid += receipt.rejected.count
    }

    /// Blocks while two heads are already waiting for the flusher, so memory stays bounded.
    private func waitForFlushRoom() throws(LogStoreError) {
        try state.withLock { () throws(LogStoreError) in
            while shared.immutables.count >= 2 && !shared.closing {
                if let e = shared.flushError, shared.immutables.count >= 2 {
                    throw LogStoreError(.writeFailed, "segments cannot be written (\(e.message)); the in-memory buffer is full", path: e.path)
                }
                state.wait(nanoseconds: 100_000_000)
            }
        }
    }

    /// Hands the current head to the flusher and starts a new WAL file. With `force` false it only
    /// does so when the head is over its size or age limit.
    func rotateHead(force: Bool) throws(LogStoreError) {
        guard let committer else { return }
        try state.withLock { () throws(LogStoreError) in
            let head = shared.head
            guard !head.isEmpty else { return }
            let tooOld = head.firstAppendAt.map { monotonicNanos() - $0 >= options.headMaxAge.nanoseconds } ?? false
            guard force || head.estimatedBytes >= options.headFlushBytes || tooOld else { return }
            let number = shared.nextWALNumber
            try committer.rotate(to: number, firstSequence: shared.nextSequence)
            shared.nextWALNumber += 1
            shared.immutables.append(head.snapshot())
            shared.head = Head(walNumber: number)
            state.broadcast()
        }
    }
}
