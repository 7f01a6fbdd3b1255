#if canImport(Glibc)
import Glibc
#endif

/// Writes one flush group of segments (docs/FORMAT.md, section 6, "Flush").
struct SegmentWriter {
    let directory: String
    let io: any StorageIO
    let blockSize: Int
    let segmentMaxBytes: Int
    let span: Int64
    let acceleration: Int32

    /// A segment to be written: its window and its rows (sorted).
    struct Plan {
        var windowStart: Int64
        var records: ArraySlice<RowRef>
    }

    /// Splits sorted rows by time window and by size.
    func plan(_ sorted: [RowRef]) -> [Plan] {
        var plans: [Plan] = []
        var start = 0
        var estimate = 0
        var window = sorted.first.map { windowStart($0.timestamp) } ?? 0
        for i in sorted.indices {
            let w = windowStart(sorted[i].timestamp)
            let e = Int(sorted[i].length)
            if w != window || (estimate + e > segmentMaxBytes && i > start) {
                plans.append(Plan(windowStart: window, records: sorted[start..<i]))
                start = i
                estimate = 0
                window = w
            }
            estimate += e
        }
        if start < sorted.count { plans.append(Plan(windowStart: window, records: sorted[start..<sorted.count])) }
        return plans
    }

    @inline(__always)
    func windowStart(_ ts: Int64) -> Int64 {
        let q = ts / span
        return (ts < 0 && ts % span != 0 ? q - 1 : q) * span
    }

    /// Writes every plan as a `.seg.tmp`, syncs it, renames all into place and syncs the directory.
    /// Returns the opened segments.
    func write(_ plans: [Plan], firstID: UInt64, flushID: UInt64, now: Int64) throws(LogStoreError) -> [Segment] {
        var written: [(tmp: String, final: String, name: String)] = []
        do throws(LogStoreError) {
            for (i, plan) in plans.enumerated() {
                let id = firstID + UInt64(i)
                let name = SegmentFormat.fileName(id)
                let final = joinPath(directory, name)
                let tmp = final + ".tmp"
                written.append((tmp, final, name))
                let header = SegmentHeader(segmentID: id, flushID: flushID, groupSize: UInt32(plans.count),
                                           groupIndex: UInt32(i), windowStart: plan.windowStart, windowSpan: span,
                                           createdAt: now)
                try writeFile(tmp, header: header, records: plan.records)
            }
            for w in written { try io.rename(w.tmp, w.final) }
            if !written.isEmpty { try io.fsyncDirectory(directory) }
        } catch {
            for w in written { try? io.unlink(w.tmp) }
            throw error
        }
        var segments: [Segment] = []
        for w in written { segments.append(try Segment(path: w.final, name: w.name, io: io)) }
        return segments
    }

    private func writeFile(_ path: String, header: SegmentHeader, records: ArraySlice<RowRef>) throws(LogStoreError) {
        let file = try File(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, io: io)
        var encoder = SegmentEncoder(header: header, rawBlockTarget: blockSize, acceleration: acceleration)
        var buffer = encoder.headerBytes()
        buffer.reserveCapacity(1 << 20)
        var failure: LogStoreError?
        do {
            try encoder.blocks(rows: records) { bytes in
                guard failure == nil else { return }
                buffer.append(contentsOf: bytes)
                if buffer.count >= 1 << 20 {
                    do throws(LogStoreError) { try file.write(buffer) } catch { failure = error }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            // Rows come from the WAL path, which checked them; a failure here is a bug or memory damage.
            throw LogStoreError(.corruption, "a buffered row could not be encoded: \(error)", path: path)
        }
        if let failure { throw failure }
        buffer.append(contentsOf: encoder.finish().bytes)
        try file.write(buffer)
        try file.sync()
    }
}
