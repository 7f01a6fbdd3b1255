/// The records accepted since the last flush: their encoded rows (the same bytes the WAL holds),
/// with a small per-row index. No per-record objects are kept.
import LogStoreFormat

struct Head: Sendable {
    /// Keeps the row bytes alive.
    private(set) var batches: [RowBatch] = []
    /// Full chunks, with their correlation index built.
    private(set) var frozen: [HeadChunk] = []
    /// The chunk being appended to.
    private(set) var open = HeadChunk()
    private(set) var recordCount = 0
    private(set) var estimatedBytes = 0
    /// Monotonic time of the first append, for the age-based flush.
    private(set) var firstAppendAt: Int64?
    /// The WAL file holding this head's records.
    let walNumber: UInt64
    /// Whether full chunks get a sorted correlation index (see ``HeadChunk/freeze(indexing:)``).
    let indexesCorrelation: Bool

    init(walNumber: UInt64, indexesCorrelation: Bool = true) {
        self.walNumber = walNumber
        self.indexesCorrelation = indexesCorrelation
    }

    var isEmpty: Bool { recordCount == 0 }

    mutating func retain(_ batch: RowBatch) { batches.append(batch) }

    /// Adds a row whose batch was passed to ``retain(_:)``.
    mutating func append(_ row: RowRef, correlationHash: UInt64, now: Int64) {
        if open.isFull {
            var full = open
            full.freeze(indexing: indexesCorrelation)
            frozen.append(full)
            open = HeadChunk()
        }
        open.append(row, correlationHash: correlationHash)
        recordCount += 1
        estimatedBytes += Int(row.length)
        if firstAppendAt == nil { firstAppendAt = now }
    }

    /// An immutable view for queries and for the flush.
    func snapshot() -> HeadSnapshot {
        HeadSnapshot(batches: batches, frozen: frozen, open: open, walNumber: walNumber, recordCount: recordCount)
    }
}

/// An immutable view of a head: what a query reads, and what a flush writes into segments.
/// Holding it keeps the row bytes alive.
struct HeadSnapshot: Sendable {
    let batches: [RowBatch]
    let frozen: [HeadChunk]
    let open: HeadChunk
    let walNumber: UInt64
    /// Records of the decoded chunks and of the deferred groups.
    private(set) var recordCount: Int
    /// Frame groups a read-only open left undecoded (docs/FORMAT.md, 4.4); empty for a writer's heads.
    private(set) var deferred: [DeferredFrameGroup] = []

    init(batches: [RowBatch], frozen: [HeadChunk], open: HeadChunk, walNumber: UInt64, recordCount: Int) {
        self.batches = batches
        self.frozen = frozen
        self.open = open
        self.walNumber = walNumber
        self.recordCount = recordCount
    }

    /// This snapshot with `groups` added after its chunks.
    func adding(deferred groups: [DeferredFrameGroup]) -> HeadSnapshot {
        var copy = self
        copy.deferred += groups
        copy.recordCount += groups.reduce(0) { $0 + $1.summary.count }
        return copy
    }

    var isEmpty: Bool { recordCount == 0 }

    /// Every chunk, deferred groups decoded (a group whose frames do not decode adds nothing here; a
    /// query, through ``chunks(levelMask:timeOverlaps:correlationHash:)``, reports it).
    var chunks: [HeadChunk] {
        frozen + [open] + deferred.flatMap { (try? $0.chunks()) ?? [] }
    }

    /// The chunks a query with these conditions may find rows in: ``frozen`` first, then ``open``, then
    /// the rows of every deferred group whose summary may match, decoded now if they were not yet.
    func chunks(levelMask: UInt8, timeOverlaps: (Int64, Int64) -> Bool, correlationHash: UInt64?) throws(FormatError) -> [HeadChunk] {
        var out = frozen + [open]
        for group in deferred where group.mayHold(levelMask: levelMask, timeOverlaps: timeOverlaps, correlationHash: correlationHash) {
            out += try group.chunks()
        }
        return out
    }

    /// The largest sequence number held (0 when none), without decoding deferred groups.
    var lastSequence: UInt64 {
        var last = max(open.rows.last?.sequence ?? 0, frozen.last?.rows.last?.sequence ?? 0)
        for group in deferred { last = max(last, group.sequences.upperBound) }
        return last
    }

    /// Every row, in sequence order.
    func allRows() -> [RowRef] {
        var out: [RowRef] = []
        out.reserveCapacity(recordCount)
        for c in frozen { out.append(contentsOf: c.rows) }
        out.append(contentsOf: open.rows)
        return out
    }
}
