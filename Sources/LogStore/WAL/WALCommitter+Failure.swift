/// The committer's side of a failed WAL write or sync (docs/DESIGN.md, "WAL write
/// failures"); see ``WALCommitter`` for the rules.
extension WALCommitter {
    /// Abandons the current file, fails every append not yet durable and lets the store recover.
    func handleFailure(_ error: LogStoreError, items: [Item]) {
        if let abandoned = file {
            // Never write this file again; cut what is not known good (a crash then cannot bring the
            // lost appends back from it). Best effort: the flush of its head deletes it anyway.
            try? abandoned.truncate(to: fileKept)
            try? abandoned.sync()
            file = nil
        }
        // Rotations of this round that were not carried out go back to the front of the queue.
        var unfinished: [Item] = []
        var seen = 0
        for item in items {
            guard case .rotate = item else { continue }
            if seen >= rotationsDone { unfinished.append(item) }
            seen += 1
        }
        let roundBytes = Self.bytes(of: items)
        let resolve = { [self] () -> Resolution in
            monitor.withLock { () -> Resolution in
                var lost: ClosedRange<UInt64>?
                for p in pending {
                    guard let s = p.sequences else { continue }
                    lost = lost.map { min($0.lowerBound, s.lowerBound)...max($0.upperBound, s.upperBound) } ?? s
                }
                pending.removeAll()
                // Queued batches belong to the abandoned file's head: they are lost with it.
                queuedBytes = max(0, queuedBytes - roundBytes - Self.bytes(of: queue))
                queue = unfinished + queue.filter { if case .rotate = $0 { true } else { false } }
                let lostLSNs = appendedLSN > durableLSN ? (durableLSN + 1)...appendedLSN : nil
                ledger.record(after: durableLSN, through: appendedLSN, error: error, reported: false)
                durableLSN = appendedLSN
                writtenLSN = appendedLSN
                let rotationQueued = queue.contains { if case .rotate = $0 { true } else { false } }
                return Resolution(lostSequences: lost, lostLSNs: lostLSNs, needsNewFile: !rotationQueued)
            }
        }
        if let handler = failureHandler {
            handler(error, resolve)
        } else {
            _ = resolve()
        }
        monitor.withLock {
            resumeWaiters()
            monitor.broadcast()
        }
    }
}
