import LogStoreFormat

extension LogStore {
    /// Starts the background thread that turns immutable heads into segments and applies retention.
    func startFlusher() throws(LogStoreError) {
        guard startThread(name: "logstore-flush", { [self] in flushLoop() }) else {
            throw LogStoreError(.io, "could not start the flush thread")
        }
    }

    /// Writes the current head to segments now and waits until they are installed and the store's
    /// manifest describes them.
    ///
    /// Throws when a segment write failing now keeps the head from being installed (the records stay
    /// in the WAL and in memory, queryable, and the flusher retries), and when an append made since
    /// the previous `sync()`/`flush()` was lost to a failed WAL write.
    public func flush() throws(LogStoreError) {
        guard let committer else { throw readOnlyError() }
        let attemptsBefore = state.withLock { shared.flushAttemptsStarted }
        try rotateHead(force: true)
        // A flusher backing off after an earlier failure tries again now.
        flusherDone.withLock { flusherDone.broadcast() }
        try state.withLock { () throws(LogStoreError) in
            state.broadcast()
            while !shared.immutables.isEmpty {
                if let e = shared.flushError, shared.lastFailedFlushAttempt > attemptsBefore { throw e }
                state.wait(nanoseconds: 20_000_000)
            }
        }
        // The flush installs its segments and rewrites the MANIFEST under this lock: wait for it.
        manifestSerial.withLock {}
        try committer.checkpoint()
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
                let attempt = state.withLock { () -> UInt64 in
                    shared.flushAttemptsStarted += 1
                    return shared.flushAttemptsStarted
                }
                do throws(LogStoreError) {
                    try flushOne(next)
                    backoff = 100_000_000
                } catch {
                    state.withLock {
                        shared.flushError = error
                        shared.lastFailedFlushAttempt = attempt
                        state.broadcast()
                    }
                    flusherDone.withLock { if !flusherStopped { flusherDone.wait(nanoseconds: backoff) } }
                    backoff = min(backoff * 2, 5_000_000_000)
                }
            } else {
                try? rotateHead(force: false)
            }
            // Retention runs even while flushes fail: on a full disk it is what frees space.
            let now = monotonicNanos()
            if now - lastExpiry >= options.expiryInterval.nanoseconds {
                lastExpiry = now
                _ = try? expire()
            }
        }
    }

    /// Writes one immutable head into a flush group of segments, installs them, and deletes the WAL
    /// files they replace.
    ///
    /// On failure nothing changes for readers: the head stays queryable, its WAL files stay on disk,
    /// no `.seg.tmp` is left, and segments this attempt already renamed into place are deleted again
    /// (an incomplete group must not meet the complete group a retry writes under the same flush id).
    private func flushOne(_ candidate: HeadSnapshot) throws(LogStoreError) {
        guard let committer else { return }
        // The WAL file of this head must be complete before it can be deleted. Once it is, every
        // append in the head is durable or failed; a failure dropped rows, so read the head again.
        try committer.waitForRotation(to: candidate.walNumber + 1)
        guard let head = state.withLock({ shared.immutables.first }), head.walNumber == candidate.walNumber else { return }
        try removeStrandedSegments()
        let settings = state.withLock { shared.settings }
        let now = options.clock()
        let oldest = now &- settings.retentionSeconds &* 1_000_000_000
        var rows = head.allRows()
        let flushedThrough = rows.reduce(UInt64(0)) { max($0, $1.sequence) }
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
        // `head` keeps the row bytes alive until the segments are written.
        var stranded: [String] = []
        let result = withExtendedLifetime(head) { () -> Result<[Segment], LogStoreError> in
            Result { () throws(LogStoreError) -> [Segment] in
                try writer.write(plans, firstID: firstID, flushID: head.walNumber, now: now, stranded: &stranded)
            }
        }
        if !stranded.isEmpty { state.withLock { shared.strandedSegments.append(contentsOf: stranded) } }
        let segments = try result.get()
        // The keys of these records must outlive their WAL files (docs/FORMAT.md, 8.2). Best effort:
        // a failure only lets retries of them through after a restart.
        _ = saveKeys(through: flushedThrough)
        // Checkpoints must outlive their WAL files too (9.2), and losing one would make a producer
        // read its source again: when CHECKPOINTS cannot be written the WAL files stay (they hold the
        // checkpoints; the next flush or open deletes them once it is written).
        let checkpointsSaved = saveCheckpoints(throughWAL: head.walNumber) == nil
        // The group is durable: its WAL files go before the head is released, so that close(), which
        // waits for the head, never returns while they are still on disk. A failure here is not fatal:
        // the next open deletes WAL files a committed group covers.
        let obsolete = checkpointsSaved ? ((try? Self.listWAL(walDirectory, io: io)) ?? []).filter { $0 <= head.walNumber } : []
        for number in obsolete { try? io.unlink(joinPath(walDirectory, WALFormat.fileName(number))) }
        if !obsolete.isEmpty { try? io.fsyncDirectory(walDirectory) }
        publishManifest(afterInstalling: {
            state.withLock {
                shared.segments.append(contentsOf: segments)
                if shared.immutables.first?.walNumber == head.walNumber { shared.immutables.removeFirst() }
                shared.counters.segmentsWritten += segments.count
                shared.counters.expiredAtFlush += expired
                shared.flushError = nil
                state.broadcast()
            }
        })
    }

    /// Deletes segment files an earlier failed flush left in place; throws while that is impossible.
    private func removeStrandedSegments() throws(LogStoreError) {
        let paths = state.withLock { shared.strandedSegments }
        guard !paths.isEmpty else { return }
        for p in paths { try io.unlink(p) }
        try io.fsyncDirectory(segmentDirectory)
        state.withLock { shared.strandedSegments.removeAll { paths.contains($0) } }
    }
}
