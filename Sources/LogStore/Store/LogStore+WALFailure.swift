/// The store's side of a failed WAL write or sync (docs/DESIGN.md, "WAL write failures").
extension LogStore {
    /// Lets the committer hand its failures to this store. Call once, right after creating the store.
    func installWALFailureHandler() {
        guard let committer else { return }
        committer.failureHandler = { [weak self] _, resolve in
            guard let self else { _ = resolve(); return }
            self.recoverFromWALFailure(resolve)
        }
    }

    /// Runs on the committer thread before any waiter hears of the failure. Under the state lock, so
    /// no append can slip in between: takes what the failure lost, drops those rows from the head and
    /// from the heads waiting for the flusher (a failed append must not turn up in queries or
    /// segments), and, when the file the current head writes to was abandoned, hands that head to the
    /// flusher and starts a new one with a fresh WAL file. The abandoned file is deleted by the flush
    /// of its head, like any WAL file.
    private func recoverFromWALFailure(_ resolve: () -> WALCommitter.Resolution) {
        guard let committer else { _ = resolve(); return }
        state.withLock {
            let resolution = resolve()
            if let lost = resolution.lostSequences {
                var dropped = 0
                let (head, n) = Self.dropping(lost, from: shared.head.snapshot(), firstAppendAt: shared.head.firstAppendAt)
                if let head { shared.head = head }
                dropped += n
                for i in shared.immutables.indices {
                    let (filtered, m) = Self.dropping(lost, from: shared.immutables[i], firstAppendAt: nil)
                    if let filtered { shared.immutables[i] = filtered.snapshot() }
                    dropped += m
                }
                shared.counters.lostToWriteFailures += dropped
                // Their keys go too: a retry of a failed append must be stored.
                shared.idempotency.forget(sequences: lost)
            }
            // So do their checkpoints: the producer must read those records again (docs/FORMAT.md, 9).
            if let lsns = resolution.lostLSNs { shared.checkpoints.forget(lsns: lsns) }
            if resolution.needsNewFile {
                let number = shared.nextWALNumber
                shared.nextWALNumber += 1
                // Even an empty head goes to the flusher: its flush deletes the abandoned file.
                shared.immutables.append(shared.head.snapshot())
                shared.head = Head(walNumber: number)
                committer.rotate(to: number, firstSequence: shared.nextSequence)
            }
            state.broadcast()
        }
    }

    /// `snapshot` without the rows whose sequence is in `lost`, or nil when it holds none of them.
    private static func dropping(_ lost: ClosedRange<UInt64>, from snapshot: HeadSnapshot,
                                 firstAppendAt: Int64?) -> (Head?, Int) {
        let last = snapshot.open.rows.last ?? snapshot.frozen.last?.rows.last
        guard let last, last.sequence >= lost.lowerBound else { return (nil, 0) }
        var head = Head(walNumber: snapshot.walNumber)
        for batch in snapshot.batches { head.retain(batch) }
        let now = firstAppendAt ?? monotonicNanos()
        var dropped = 0
        for chunk in snapshot.chunks {
            for (row, hash) in zip(chunk.rows, chunk.correlationHashes) {
                if lost.contains(row.sequence) { dropped += 1 } else { head.append(row, correlationHash: hash, now: now) }
            }
        }
        return dropped == 0 ? (nil, 0) : (head, dropped)
    }
}
