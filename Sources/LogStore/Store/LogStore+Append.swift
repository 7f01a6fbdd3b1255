import LogStoreFormat

extension LogStore {
    /// Appends one record. See ``append(_:)-(Sequence<LogRecord>)``.
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
        let receipt = try enqueue(records, checkpoints: [])
        if receipt.lsn > 0, options.durability == .sync, let committer {
            try committer.waitDurable(receipt.lsn)
        }
        return receipt
    }

    /// Appends a batch together with checkpoints: the producer's positions in its sources after these
    /// records (for example a tailed file's inode and offset). Records and checkpoints go into one WAL
    /// frame, so after a crash both are stored or neither is (docs/FORMAT.md, section 9); read them
    /// back with ``checkpoint(named:)``. `records` may be empty to move a position only; an empty
    /// checkpoint value removes the name. Acknowledged like ``append(_:)-(Sequence<LogRecord>)``.
    ///
    /// Throws ``LogStoreError/Kind/invalidArgument`` for an invalid checkpoint (empty or over-long name,
    /// over-long value, a name given twice, more than `Checkpoint.maxPerAppend`) or a batch over
    /// 256 MiB of encoded records (split it).
    @discardableResult
    public func append(_ records: some Sequence<LogRecord>, checkpoints: [Checkpoint]) throws(LogStoreError) -> AppendReceipt {
        try Self.validate(checkpoints)
        let receipt = try enqueue(records, checkpoints: checkpoints)
        if receipt.lsn > 0, options.durability == .sync, let committer {
            try committer.waitDurable(receipt.lsn)
        }
        return receipt
    }

    /// Appends a batch like ``append(_:)-(Sequence<LogRecord>)`` but suspends instead of
    /// blocking a thread while waiting for the sync in `.sync` mode.
    @discardableResult
    public func appendAsync(_ records: some Sequence<LogRecord>) async throws(LogStoreError) -> AppendReceipt {
        let receipt = try enqueue(records, checkpoints: [])
        if receipt.lsn > 0, options.durability == .sync, let committer {
            try await committer.waitDurableAsync(receipt.lsn)
        }
        return receipt
    }

    /// Waits until the append behind `receipt` is durable on disk. With `.batch` this is at most one
    /// batch interval; with `.none` it forces a sync.
    public func waitUntilDurable(_ receipt: AppendReceipt) async throws(LogStoreError) {
        guard receipt.lsn > 0, let committer else { return }
        try await committer.waitDurableAsync(receipt.lsn, force: options.durability == .none)
    }

    /// Blocks the calling thread until the append behind `receipt` is durable under the store's
    /// ``Durability`` (returns at once with `.none`). For writer threads such as the pipeline's, which
    /// must not count records as written before a failed sync could still drop them.
    package func waitUntilDurableBlocking(_ receipt: AppendReceipt) throws(LogStoreError) {
        guard receipt.lsn > 0, options.durability != .none, let committer else { return }
        try committer.waitDurable(receipt.lsn)
    }

    /// Whether the append behind `receipt` is durable, without waiting: nil while it is not yet,
    /// otherwise success or the failure that lost it (as ``waitUntilDurableBlocking(_:)`` would throw).
    /// For writer threads that keep appending while earlier batches wait for their sync.
    package func durabilityOutcome(_ receipt: AppendReceipt) -> Result<Void, LogStoreError>? {
        guard receipt.lsn > 0, options.durability != .none, let committer else { return .success(()) }
        return committer.durabilityOutcome(receipt.lsn)
    }

    /// Makes every append so far durable now, whatever the durability mode. Throws when an append
    /// made since the previous `sync()` was lost to a failed WAL write or sync.
    public func sync() throws(LogStoreError) {
        guard let committer else { throw readOnlyError() }
        try committer.checkpoint()
    }

    func readOnlyError() -> LogStoreError {
        LogStoreError(.readOnly, "the store was opened read-only; open it without readOnly to write", path: path)
    }

    private func enqueue(_ records: some Sequence<LogRecord>, checkpoints: [Checkpoint]) throws(LogStoreError) -> AppendReceipt {
        // Arrays and slices are read in place; other sequences are copied once.
        var result: Result<AppendReceipt, LogStoreError>?
        _ = records.withContiguousStorageIfAvailable { buffer in
            result = Result { () throws(LogStoreError) -> AppendReceipt in try enqueue(buffer: buffer, checkpoints: checkpoints) }
        }
        if let result { return try result.get() }
        let array = Array(records)
        return try array.withUnsafeBufferPointer { (buffer) throws(LogStoreError) -> AppendReceipt in
            try enqueue(buffer: buffer, checkpoints: checkpoints)
        }
    }

    private func enqueue(buffer records: UnsafeBufferPointer<LogRecord>, checkpoints: [Checkpoint]) throws(LogStoreError) -> AppendReceipt {
        guard committer != nil else { throw readOnlyError() }
        guard records.contains(where: { $0.idempotencyKey != nil }) else {
            return try enqueue(buffer: records, known: nil, checkpoints: checkpoints)
        }
        // Appends with keys take turns from the key check to the commit, so two of them can never both
        // find the same key new (docs/FORMAT.md, section 8). Appends without keys do not wait.
        return try keyedAppends.withLock { () throws(LogStoreError) -> AppendReceipt in
            let now = options.clock()
            let known = state.withLock {
                records.map { r in r.idempotencyKey.map { shared.idempotency.contains($0, now: now) } ?? false }
            }
            return try enqueue(buffer: records, known: known, checkpoints: checkpoints)
        }
    }

    /// `known[i]` tells whether record `i`'s idempotency key was accepted before (nil: no keys).
    private func enqueue(buffer records: UnsafeBufferPointer<LogRecord>, known: [Bool]?,
                         checkpoints: [Checkpoint]) throws(LogStoreError) -> AppendReceipt {
        let (oldest, newest) = try ingestWindow()
        var receipt = AppendReceipt()
        var builder = FrameBuilder(checkpoints: checkpoints)
        var keysInBatch: Set<IdempotencyKey> = []
        for index in records.indices {
            let key = records[index].idempotencyKey
            if let key {
                if let reason = key.invalidReason { receipt.rejected.append((index, reason)); continue }
                if known?[index] == true || keysInBatch.contains(key) { receipt.duplicates += 1; continue }
            }
            let ts = records[index].timestamp
            if ts < oldest { receipt.droppedExpired += 1; continue }
            if ts > newest { receipt.rejectedFuture += 1; continue }
            var hash: UInt64 = 0
            if let id = records[index].correlationID, !id.isEmpty {
                let n = id.utf8.count
                if n > RecordLimits.maxCorrelationIDBytes {
                    receipt.rejected.append((index, "correlation ID is \(n) bytes, the limit is \(RecordLimits.maxCorrelationIDBytes)"))
                    continue
                }
                hash = CorrelationHash.hash(id)
            }
            let start = builder.beginRow()
            RowCodec.encode(records[index], into: &builder.frames)
            let size = builder.frames.count - start
            if size > options.maxRecordBytes {
                builder.dropRow(start: start)
                receipt.rejected.append((index, "record is \(size) bytes, the limit is \(options.maxRecordBytes)"))
                continue
            }
            builder.commitRow(start: start, timestamp: ts, level: records[index].level.rawValue, correlationHash: hash)
            if let key {
                builder.keyLastRow(key)
                keysInBatch.insert(key)
            }
        }
        return try commit(&builder, receipt: receipt)
    }

    /// Appends rows already in the row encoding (docs/FORMAT.md, 3.4); used by the NDJSON fast path.
    /// Each row's structure is checked; a malformed row is rejected like an invalid record. With
    /// `checkpoints`, rows and checkpoints are stored together as in ``append(_:checkpoints:)``. Returns
    /// once queued, whatever the durability; wait with ``waitUntilDurableBlocking(_:)``.
    /// Rows with idempotency keys (``EncodedRows/keys``) are dropped and counted as duplicates when their
    /// key was accepted before, as in ``append(_:)-(some Sequence<LogRecord>)``.
    @discardableResult
    package func append(rows: EncodedRows, checkpoints: [Checkpoint] = []) throws(LogStoreError) -> AppendReceipt {
        guard committer != nil else { throw readOnlyError() }
        try Self.validate(checkpoints)
        guard !rows.keys.isEmpty else { return try append(rows: rows, known: nil, checkpoints: checkpoints) }
        // Keyed appends take turns from the key check to the commit (see enqueue(buffer:checkpoints:)).
        return try keyedAppends.withLock { () throws(LogStoreError) -> AppendReceipt in
            let now = options.clock()
            let known = state.withLock { rows.keys.map { shared.idempotency.contains($0.key, now: now) } }
            return try append(rows: rows, known: known, checkpoints: checkpoints)
        }
    }

    /// `known[i]` tells whether the key of `rows.keys[i]` was accepted before (nil: no keys).
    private func append(rows: EncodedRows, known: [Bool]?, checkpoints: [Checkpoint]) throws(LogStoreError) -> AppendReceipt {
        let (oldest, newest) = try ingestWindow()
        var nextKey = 0
        var keysInBatch: Set<IdempotencyKey> = []
        var receipt = AppendReceipt()
        var builder = FrameBuilder(checkpoints: checkpoints)
        // The frames hold these rows plus a small header per frame of about 1 MiB: size them once
        // instead of regrowing from 64 KiB (each regrowth copies and faults in fresh pages).
        builder.frames = ByteWriter(capacity: rows.bytes.count + 64 * ((rows.bytes.count >> 20) + 2))
        rows.bytes.withBytes { all in
            var start = 0
            for (index, end) in rows.ends.enumerated() {
                defer { start = end }
                var key: IdempotencyKey?
                if nextKey < rows.keys.count, rows.keys[nextKey].row == index {
                    let (rowKey, seen) = (rows.keys[nextKey].key, known?[nextKey] == true)
                    nextKey += 1
                    if let reason = rowKey.invalidReason { receipt.rejected.append((index, reason)); continue }
                    if seen || keysInBatch.contains(rowKey) { receipt.duplicates += 1; continue }
                    key = rowKey
                }
                let row = UnsafeRawBufferPointer(rebasing: all[start..<end])
                let view: RowView
                do throws(FormatError) {
                    view = try RowView(row)
                    try RowView.checkAttributes(row, from: view)
                } catch {
                    receipt.rejected.append((index, "malformed row: \(error.reason)"))
                    continue
                }
                if view.timestamp < oldest { receipt.droppedExpired += 1; continue }
                if view.timestamp > newest { receipt.rejectedFuture += 1; continue }
                if row.count > options.maxRecordBytes {
                    receipt.rejected.append((index, "record is \(row.count) bytes, the limit is \(options.maxRecordBytes)"))
                    continue
                }
                let hash = view.correlation.isEmpty ? 0 : CorrelationHash.hash(view.correlation)
                let rowStart = builder.beginRow()
                builder.frames.raw(row)
                builder.commitRow(start: rowStart, timestamp: view.timestamp, level: view.level, correlationHash: hash)
                if let key {
                    builder.keyLastRow(key)
                    keysInBatch.insert(key)
                }
            }
        }
        return try commit(&builder, receipt: receipt)
    }

    /// The accepted time range at this moment: retention behind, skew ahead.
    private func ingestWindow() throws(LogStoreError) -> (oldest: Int64, newest: Int64) {
        let now = options.clock()
        let (retentionSeconds, closing) = state.withLock { (shared.settings.retentionSeconds, shared.closing) }
        if closing { throw LogStoreError(.closed, "the store is closed", path: path) }
        return (now &- retentionSeconds &* 1_000_000_000, now &+ options.maxFutureSkew.nanoseconds)
    }

    /// Hands built frames to the WAL and their rows to the head, under the lock.
    private func commit(_ builder: inout FrameBuilder, receipt: AppendReceipt) throws(LogStoreError) -> AppendReceipt {
        guard let committer else { throw readOnlyError() }
        var receipt = receipt
        let acceptedAt = options.clock()
        builder.finish(acceptedAt: acceptedAt)
        let accepted = builder.accepted
        guard !accepted.isEmpty || !builder.checkpoints.isEmpty else {
            state.withLock { count(receipt) }
            return receipt
        }
        if !builder.checkpoints.isEmpty, builder.frames.count - WALFormat.frameHeaderSize > WALFormat.maxFramePayload {
            throw LogStoreError(.invalidArgument, "an append with checkpoints holds at most \(WALFormat.maxFramePayload >> 20) MiB of encoded records, this one \(builder.frames.count >> 20) MiB; split the batch", path: path)
        }
        // The head keeps these bytes; the committer writes them to the WAL.
        let batch = RowBatch(copying: builder.frames.bytes)
        let frameStarts = builder.frameStarts
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
            for (i, key) in builder.keys {
                shared.idempotency.insert(key, sequence: first + UInt64(i), acceptedAt: acceptedAt)
            }
            if !builder.checkpoints.isEmpty {
                shared.checkpoints.record(builder.checkpoints, lsn: receipt.lsn, walNumber: shared.head.walNumber,
                                          durableLSN: committer.lastDurableLSN)
            }
            // A checkpoint-only batch has no rows for the head to keep alive.
            if !accepted.isEmpty { shared.head.retain(batch) }
            let base = batch.bytes.baseAddress!
            for (i, a) in accepted.enumerated() {
                shared.head.append(RowRef(timestamp: a.timestamp, sequence: first + UInt64(i), row: base + Int(a.offset),
                                          length: a.length, level: a.level),
                                   correlationHash: a.correlationHash, now: monotonic)
            }
            receipt.accepted = accepted.count
            if !accepted.isEmpty {
                receipt.firstSequence = first
                receipt.lastSequence = first + UInt64(accepted.count - 1)
            }
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
        shared.counters.droppedDuplicates += receipt.duplicates
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
            committer.rotate(to: number, firstSequence: shared.nextSequence)
            shared.nextWALNumber += 1
            shared.immutables.append(head.snapshot())
            shared.head = Head(walNumber: number)
            state.broadcast()
        }
    }
}

