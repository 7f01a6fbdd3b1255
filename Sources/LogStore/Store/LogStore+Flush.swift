extension LogStore {
    /// Starts the background thread that turns immutable heads into segments and applies retention.
    func startFlusher() throws(LogStoreError) {
        guard startThread(name: "logstore-flush", { [self] in flushLoop() }) else {
            throw LogStoreError(.io, "could not start the flush thread")
        }
    }

    /// Writes the current head to segments now and waits until they are installed.
    public func flush() throws(LogStoreError) {
        guard committer != nil else { throw readOnlyError() }
        try rotateHead(force: true)
        try state.withLock { () throws(LogStoreError) in
            state.broadcast()
            while !shared.immutables.isEmpty {
                if let e = shared.flushError { throw e }
                state.wait(nanoseconds: 20_000_000)
            }
        }
    }

    private func flushLoop() {
        var lastExpiry = monotonicNanos()
        var backoff: Int64 = 100_000_000
        while true {
            let (next, stop) = state.withLock { () -> (HeadSnapshot?, Bool) in
                if shared.immutables.isEmpty && !shared.closing { state.wait(nanoseconds: 1_000_000_000) }
                return (shared.immutables.first, shared.closing && shared.immutables.isEmpty)
            }
            if flusherDone.withLock({ flusherStopped }) { return }
            if stop {
                flusherDone.withLock { if !flusherStopped { flusherDone.wait(nanoseconds: 100_000_000) } }
                continue
            }
            if let next {
                do throws(LogStoreError) {
                    try flushOne(next)
                    backoff = 100_000_000
                } catch {
                    state.withLock {
                        shared.flushError = error
                        state.broadcast()
                    }
                    flusherDone.withLock { flusherDone.wait(nanoseconds: backoff) }
                    backoff = min(backoff * 2, 5_000_000_000)
                }
                continue
            }
            try? rotateHead(force: false)
            let now = monotonicNanos()
            if now - lastExpiry >= options.expiryInterval.nanoseconds {
                lastExpiry = now
                _ = try? expire()
            }
        }
    }

    /// Writes one immutable head into a flush group of segments, installs them, and deletes the WAL
    /// files they replace.
    private func flushOne(_ head: HeadSnapshot) throws(LogStoreError) {
        guard let committer else { return }
        let settings = state.withLock { shared.settings }
        let now = options.clock()
        let oldest = now &- settings.retentionSeconds &* 1_000_000_000
        var rows = head.allRows()
        let before = rows.count
        rows.removeAll { $0.timestamp < oldest }
        let expired = before - rows.count
        rows.sort(by: RowRef.ordered)
        let writer = SegmentWriter(directory: segmentDirectory, io: io, blockSize: options.blockSize,
                                   segmentMaxBytes: options.segmentMaxBytes,
                                   span: settings.segmentSpanSeconds * 1_000_000_000,
                                   acceleration: options.compressionAcceleration)
        let plans = writer.plan(rows)
        let firstID = state.withLock { () -> UInt64 in
            let id = shared.nextSegmentID
            shared.nextSegmentID += UInt64(plans.count)
            return id
        }
        // The WAL file of this head must be complete before it can be deleted.
        try committer.waitForRotation(to: head.walNumber + 1)
        // `head` keeps the row bytes alive until the segments are written.
        let segments = try withExtendedLifetime(head) { () throws(LogStoreError) -> [Segment] in
            try writer.write(plans, firstID: firstID, flushID: head.walNumber, now: now)
        }
        // The group is durable: its WAL files go before the head is released, so that close(), which
        // waits for the head, never returns while they are still on disk. A failure here is not fatal:
        // the next open deletes WAL files a committed group covers.
        let obsolete = ((try? Self.listWAL(walDirectory, io: io)) ?? []).filter { $0 <= head.walNumber }
        for number in obsolete { try? io.unlink(joinPath(walDirectory, WALFormat.fileName(number))) }
        if !obsolete.isEmpty { try? io.fsyncDirectory(walDirectory) }
        state.withLock {
            shared.segments.append(contentsOf: segments)
            shared.immutables.removeFirst()
            shared.counters.segmentsWritten += segments.count
            shared.counters.expiredAtFlush += expired
            shared.flushError = nil
            state.broadcast()
        }
    }
}
