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
        // Frames are built here, outside the lock, with their first sequence left blank; the lock
        // only fills in sequences and checksums. Each frame holds about 1 MiB of rows at most.
        var frames = ByteWriter(capacity: 64 << 10)
        var frameStarts: [(offset: Int, firstIndex: Int)] = []
        var frameStart = -1
        var frameCount = 0
        var accepted: [AcceptedRow] = []
        for (index, record) in records.enumerated() {
            if record.timestamp < oldest { receipt.droppedExpired += 1; continue }
            if record.timestamp > newest { receipt.rejectedFuture += 1; continue }
            if let id = record.correlationID, id.utf8.count > RecordLimits.maxCorrelationIDBytes {
                receipt.rejected.append((index, "correlation ID is \(id.utf8.count) bytes, the limit is \(RecordLimits.maxCorrelationIDBytes)"))
                continue
            }
            if frameStart < 0 || frames.count - frameStart >= 1 << 20 {
                if frameStart >= 0 { WALFrame.finishRecordsFrame(at: frameStart, count: frameCount, in: &frames) }
                frameStart = WALFrame.beginRecordsFrame(into: &frames)
                frameStarts.append((frameStart, accepted.count))
                frameCount = 0
            }
            let rowStart = frames.count
            RowCodec.encode(record, into: &frames)
            let size = frames.count - rowStart
            if size > options.maxRecordBytes {
                frames.truncate(to: rowStart)
                receipt.rejected.append((index, "record is \(size) bytes, the limit is \(options.maxRecordBytes)"))
                continue
            }
            frameCount += 1
            let hash = record.correlationID.flatMap { $0.isEmpty ? nil : CorrelationHash.hash($0) } ?? 0
            accepted.append(AcceptedRow(timestamp: record.timestamp, offset: Int32(rowStart), length: Int32(size),
                                        level: record.level.rawValue, correlationHash: hash))
        }
        if frameStart >= 0 {
            if frameCount == 0 {
                frames.truncate(to: frameStart)
                frameStarts.removeLast()
            } else {
                WALFrame.finishRecordsFrame(at: frameStart, count: frameCount, in: &frames)
            }
        }
        guard !accepted.isEmpty else {
            state.withLock { count(receipt) }
            return receipt
        }
        // The head keeps these bytes; the committer writes them to the WAL.
        let batch = RowBatch(copying: frames.bytes)
        try committer.waitForRoom()
        try waitForFlushRoom()
        let monotonic = monotonicNanos()
        var rotate = false
        try state.withLock { () throws(LogStoreError) in
            if shared.closing { throw LogStoreError(.closed, "the store is closed", path: path) }
            let first = shared.nextSequence
            batch.withUnsafeMutableBytes { bytes in
                for f in frameStarts {
                    WALFrame.sealRecordsFrame(at: f.offset, firstSequence: first + UInt64(f.firstIndex), in: bytes)
                }
            }
            receipt.lsn = try committer.enqueue(batch)
            shared.nextSequence = first + UInt64(accepted.count)
            shared.head.retain(batch)
            let base = batch.bytes.baseAddress!
            for (i, a) in accepted.enumerated() {
                shared.head.append(RowRef(timestamp: a.timestamp, sequence: first + UInt64(i), row: base + Int(a.offset),
                                          length: a.length, level: a.level),
                                   correlationHash: a.correlationHash, now: monotonic)
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

/// What the append path keeps of an accepted record: where its row is and what the head indexes.
private struct AcceptedRow {
    var timestamp: Int64
    var offset: Int32
    var length: Int32
    var level: UInt8
    var correlationHash: UInt64
}
