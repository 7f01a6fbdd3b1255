/// Records frames of one append that a read-only open checked but did not decode (docs/FORMAT.md, 4.4):
/// their summary tells a query whether it may need them; their rows are decoded the first time one does,
/// then kept for the rest of the open.
import LogStoreFormat

final class DeferredFrameGroup: Sendable {
    /// The append's summary frame.
    let summary: WALSummary
    /// The file's bytes; the rows point into them once decoded.
    let batch: RowBatch
    /// Where the records part (type 1 layout) of each of the group's frames lies in `batch`.
    let records: [Range<Int>]
    /// The group's sequence numbers, from its frame headers.
    let sequences: ClosedRange<UInt64>
    /// The WAL file, relative to the store directory, for errors.
    let file: String
    private let decoded = LockedState<Result<[HeadChunk], FormatError>?>(nil)

    init(summary: WALSummary, batch: RowBatch, records: [Range<Int>], sequences: ClosedRange<UInt64>, file: String) {
        self.summary = summary
        self.batch = batch
        self.records = records
        self.sequences = sequences
        self.file = file
    }

    /// Whether a record with a level in `levelMask`, a timestamp `timeOverlaps` accepts and, when
    /// given, the correlation hash `correlationHash` may be in the group.
    func mayHold(levelMask: UInt8, timeOverlaps: (Int64, Int64) -> Bool, correlationHash: UInt64?) -> Bool {
        guard summary.levelMask & levelMask != 0, timeOverlaps(summary.minTimestamp, summary.maxTimestamp) else { return false }
        guard let correlationHash else { return true }
        return summary.filter.mayContain(correlationHash)
    }

    /// Whether the rows were decoded (by a query that may match them, or by ``chunks()``).
    var isDecoded: Bool { decoded.withLock { $0 != nil } }

    /// The group's rows in chunks of at most ``HeadChunk/capacity``, decoded on first use. Throws when a
    /// frame whose checksum held does not decode (what a full replay reports as damage).
    func chunks() throws(FormatError) -> [HeadChunk] {
        let result = decoded.withLock { (state: inout Result<[HeadChunk], FormatError>?) -> Result<[HeadChunk], FormatError> in
            if let state { return state }
            let fresh = Self.decode(batch: batch, records: records, count: summary.count, file: file)
            state = fresh
            return fresh
        }
        return try result.get()
    }

    private static func decode(batch: RowBatch, records: [Range<Int>], count: Int, file: String) -> Result<[HeadChunk], FormatError> {
        var rows: [RowRef] = []
        var hashes: [UInt64] = []
        rows.reserveCapacity(count)
        hashes.reserveCapacity(count)
        let buf = batch.bytes
        for range in records {
            do throws(FormatError) {
                _ = try WALReader.appendRows(of: UnsafeRawBufferPointer(rebasing: buf[range]), rows: &rows, hashes: &hashes)
            } catch {
                return .failure(FormatError("\(file): records frame does not decode: \(error.reason)", at: range.lowerBound + error.offset))
            }
        }
        guard rows.count == count else {
            return .failure(FormatError("\(file): the frames hold \(rows.count) records, their summary says \(count)", at: records.first?.lowerBound ?? 0))
        }
        var chunks: [HeadChunk] = []
        var chunk = HeadChunk(reserving: min(count, HeadChunk.capacity))
        for (i, (row, hash)) in zip(rows, hashes).enumerated() {
            if chunk.isFull {
                chunk.freeze(indexing: false)
                chunks.append(chunk)
                chunk = HeadChunk(reserving: min(count - i, HeadChunk.capacity))
            }
            chunk.append(row, correlationHash: hash)
        }
        if !chunk.rows.isEmpty { chunks.append(chunk) }
        return .success(chunks)
    }
}

extension LogStore {
    /// The summarized frame groups a read-only open left undecoded (docs/FORMAT.md, 4.4), and how many of
    /// them queries have decoded since: how tests and diagnostics see what a query touched.
    var deferredWALGroups: (total: Int, decoded: Int) {
        state.withLock {
            let groups = shared.immutables.flatMap(\.deferred)
            return (groups.count, groups.filter(\.isDecoded).count)
        }
    }
}
