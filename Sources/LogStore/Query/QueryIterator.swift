/// The records of a query, produced lazily in `(timestamp, sequence)` order (or its reverse).
///
/// Memory stays bounded: at most one decoded block per segment whose time range overlaps the
/// current position is held. Not thread-safe; use one iterator from one thread or task at a time.
public final class QueryIterator {
    private struct Pending {
        let bound: Int64
        let make: () -> any QueryRun
    }

    private var pending: [Pending]
    private var active: [any QueryRun] = []
    private var remaining: Int
    private let descending: Bool
    private let box: QueryStatisticsBox
    /// Keeps the snapshot's segments (and their open files) alive while the query runs.
    private let snapshot: StoreSnapshot

    init(snapshot: StoreSnapshot, predicate: Predicate, limit: Int?) throws(LogStoreError) {
        self.snapshot = snapshot
        let box = QueryStatisticsBox()
        self.box = box
        descending = predicate.descending
        remaining = limit ?? .max
        var pending: [Pending] = []
        if !predicate.isEmpty {
            for segment in snapshot.segments {
                box.value.segments += 1
                guard predicate.mayMatch(segment) else {
                    box.value.segmentsSkipped += 1
                    continue
                }
                let blocks = try predicate.candidateBlocks(segment)
                box.value.blocksSkipped += segment.summary.blockCount - blocks.count
                if blocks.isEmpty { continue }
                let first = try segment.footer().blocks[blocks[0]]
                let bound = predicate.descending ? first.maxTimestamp : first.minTimestamp
                pending.append(Pending(bound: bound) {
                    SegmentRun(segment: segment, blocks: blocks, predicate: predicate, statistics: box)
                })
            }
            for head in snapshot.heads {
                let run = try HeadRun(head: head, predicate: predicate)
                if run.count > 0 { pending.append(Pending(bound: predicate.descending ? .max : .min) { run }) }
            }
        }
        // Runs are opened in the order their first record can appear.
        if predicate.descending { pending.sort { $0.bound > $1.bound } } else { pending.sort { $0.bound < $1.bound } }
        self.pending = pending.reversed()
    }

    /// What the query has read so far.
    public var statistics: QueryStatistics { box.value }

    /// The next record, or nil at the end. Throws when a block is damaged or unreadable.
    public func next() throws(LogStoreError) -> LogRecord? {
        guard remaining > 0 else { return nil }
        while true {
            // Open every run whose first record could come before the best current one.
            let best = bestIndex()
            if let next = pending.last {
                let bestKey = best.flatMap { active[$0].current }
                let due = bestKey.map { descending ? next.bound >= $0.timestamp : next.bound <= $0.timestamp } ?? true
                if due {
                    pending.removeLast()
                    let run = next.make()
                    try run.advance()
                    if run.current != nil { active.append(run) }
                    continue
                }
            }
            guard let best else { return nil }
            let run = active[best]
            let record = try run.record()
            try run.advance()
            if run.current == nil { active.remove(at: best) }
            remaining -= 1
            return record
        }
    }

    private func bestIndex() -> Int? {
        var best: Int?
        var key: QueryCursor?
        for (i, run) in active.enumerated() {
            guard let c = run.current else { continue }
            if let k = key, descending ? !(k < c) : !(c < k) { continue }
            best = i
            key = c
        }
        return best
    }
}
