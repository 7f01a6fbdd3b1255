/// What one pass of retention removed.
public struct ExpiryReport: Sendable {
    /// Segment files removed.
    public var segmentsRemoved = 0
    /// Records in them.
    public var recordsRemoved = 0
    /// Bytes freed.
    public var bytesFreed: Int64 = 0
    /// Damaged segment files (left in place at open) removed because their whole window had expired.
    public var damagedSegmentsRemoved = 0
}

extension LogStore {
    /// Applies retention now: removes every segment whose newest record is older than the retention
    /// period, then, under a size cap, the segments with the oldest windows until the total fits. With
    /// ``StoreOptions/unforwarded`` `.keep`, segments holding records a forwarder has not sent yet stay
    /// until the policy's own cap (docs/FORWARDING.md 7).
    ///
    /// Segments leave the in-memory set first, then their files are unlinked; queries that already
    /// hold a segment keep reading it from their open descriptor.
    @discardableResult
    public func expire() throws(LogStoreError) -> ExpiryReport {
        guard committer != nil else { throw readOnlyError() }
        let now = options.clock()
        let (removed, damaged) = state.withLock { () -> ([Segment], [UnreadableSegment]) in
            let s = shared.settings
            let oldest = now &- s.retentionSeconds &* 1_000_000_000
            // Damage must never pin the disk: a damaged segment goes once its window is past.
            let damaged = shared.unreadableSegments.filter { $0.windowEnd <= oldest }
            shared.unreadableSegments.removeAll { $0.windowEnd <= oldest }
            var keep: [Segment] = []
            var drop: [Segment] = []
            // With `.keep`, a segment holding a record above the lowest forwarder position is held
            // (docs/FORWARDING.md 7) — past its time and the size cap, up to the policy's hard cap.
            var held: [Segment] = []
            var holdAbove: UInt64?
            if case .keep = options.unforwarded { holdAbove = UnforwardedRetention.lowestPosition(in: shared.checkpoints.all) }
            // A segment a compaction is reading stays until it ends (its output replaces it, or it
            // is released and expires at the next pass).
            for seg in shared.segments {
                if let mark = holdAbove, seg.summary.maxSequence > mark {
                    held.append(seg)
                } else if seg.maxTimestamp < oldest && !shared.compactingSegments.contains(seg.id) {
                    drop.append(seg)
                } else {
                    keep.append(seg)
                }
            }
            if case .keep(let cap) = options.unforwarded, !held.isEmpty {
                var total = (keep + held).reduce(Int64(0)) { $0 + $1.fileSize }
                held.sort { ($0.header.windowStart, $0.id) < ($1.header.windowStart, $1.id) }
                var expiredUnforwarded = 0
                while total > cap, let at = held.firstIndex(where: { !shared.compactingSegments.contains($0.id) }) {
                    let seg = held.remove(at: at)
                    total -= seg.fileSize
                    drop.append(seg)
                    expiredUnforwarded += 1
                }
                shared.counters.segmentsExpiredUnforwarded += expiredUnforwarded
            }
            shared.counters.segmentsHeldForForwarding = held.filter { $0.maxTimestamp < oldest }.count
            if s.maxBytes > 0 {
                // Held segments count toward the cap, so forwarded ones go first.
                var total = (keep + held).reduce(Int64(0)) { $0 + $1.fileSize }
                keep.sort { ($0.header.windowStart, $0.id) < ($1.header.windowStart, $1.id) }
                while total > s.maxBytes, let at = keep.firstIndex(where: { !shared.compactingSegments.contains($0.id) }) {
                    let seg = keep.remove(at: at)
                    total -= seg.fileSize
                    drop.append(seg)
                }
            }
            keep = (keep + held).sorted { $0.id < $1.id }
            shared.segments = keep
            shared.counters.segmentsExpired += drop.count
            return (drop, damaged)
        }
        var report = ExpiryReport()
        for seg in removed {
            try io.unlink(seg.path)
            report.segmentsRemoved += 1
            report.recordsRemoved += seg.recordCount
            report.bytesFreed += seg.fileSize
        }
        for seg in damaged {
            try io.unlink(seg.path)
            report.damagedSegmentsRemoved += 1
        }
        if !removed.isEmpty || !damaged.isEmpty {
            try io.fsyncDirectory(segmentDirectory)
            publishManifest()
        }
        return report
    }
}
