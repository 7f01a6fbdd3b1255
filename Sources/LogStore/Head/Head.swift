/// The records accepted since the last flush, in memory and in the WAL.
struct Head: Sendable {
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

    init(walNumber: UInt64) { self.walNumber = walNumber }

    var isEmpty: Bool { recordCount == 0 }

    mutating func append(_ record: LogRecord, estimate: Int, now: Int64) {
        if open.isFull {
            var full = open
            full.freeze()
            frozen.append(full)
            open = HeadChunk()
        }
        open.append(record, estimate: estimate)
        recordCount += 1
        estimatedBytes += estimate
        if firstAppendAt == nil { firstAppendAt = now }
    }

    /// An immutable view for queries and for the flush.
    func snapshot() -> HeadSnapshot {
        HeadSnapshot(frozen: frozen, open: open, walNumber: walNumber, recordCount: recordCount)
    }
}

/// An immutable view of a head: what a query reads, and what a flush writes into segments.
struct HeadSnapshot: Sendable {
    let frozen: [HeadChunk]
    let open: HeadChunk
    let walNumber: UInt64
    let recordCount: Int

    /// Every record, in sequence order.
    func allRecords() -> [LogRecord] {
        var out: [LogRecord] = []
        out.reserveCapacity(recordCount)
        for c in frozen { out.append(contentsOf: c.records) }
        out.append(contentsOf: open.records)
        return out
    }
}
