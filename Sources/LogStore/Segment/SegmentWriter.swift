import Dispatch
import Synchronization
import Glibc
import LogStoreFormat

/// Writes one flush group of segments (docs/DESIGN.md, "Flush").
struct SegmentWriter: Sendable {
    let directory: String
    let io: any StorageIO
    let blockSize: Int
    let segmentMaxBytes: Int
    let span: Int64
    let acceleration: Int32

    /// A segment to be written: its window and its rows (sorted).
    struct Plan: Sendable {
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

    /// Writes every plan as a `.seg.tmp` (several at once when there are several windows), syncs
    /// them, renames all into place and syncs the directory. Returns the opened segments.
    ///
    /// On failure no file of the group stays behind: the `.seg.tmp` files are deleted, and so are the
    /// segments already renamed into place (their directory entry may not be durable, and a retry
    /// writes the group again under new ids). A renamed segment that cannot be deleted either is
    /// added to `stranded`; the caller must delete it before it writes this flush id again.
    func write(_ plans: [Plan], firstID: UInt64, flushID: UInt64, now: Int64,
               stranded: inout [String]) throws(LogStoreError) -> [Segment] {
        let names = plans.indices.map { SegmentFormat.fileName(firstID + UInt64($0)) }
        let finals = names.map { joinPath(directory, $0) }
        let temps = finals.map { $0 + ".tmp" }
        let failures = Mutex<[LogStoreError?]>(Array(repeating: nil, count: plans.count))
        let work: @Sendable (Int) -> Void = { i in
            let header = SegmentHeader(segmentID: firstID + UInt64(i), flushID: flushID, groupSize: UInt32(plans.count),
                                       groupIndex: UInt32(i), windowStart: plans[i].windowStart, windowSpan: span,
                                       createdAt: now)
            do throws(LogStoreError) {
                try writeFile(temps[i], header: header, records: plans[i].records)
            } catch {
                failures.withLock { $0[i] = error }
            }
        }
        if plans.count > 1 {
            DispatchQueue.concurrentPerform(iterations: plans.count, execute: work)
        } else if plans.count == 1 {
            work(0)
        }
        var renamed = 0
        do throws(LogStoreError) {
            if let failure = failures.withLock({ $0.compactMap { $0 }.first }) { throw failure }
            for i in plans.indices {
                try io.rename(temps[i], finals[i])
                renamed += 1
            }
            if !plans.isEmpty { try io.fsyncDirectory(directory) }
            var segments: [Segment] = []
            for (final, name) in zip(finals, names) { segments.append(try Segment(path: final, name: name, io: io)) }
            return segments
        } catch {
            for t in temps[renamed...] { try? io.unlink(t) }
            for f in finals[..<renamed] {
                do throws(LogStoreError) { try io.unlink(f) } catch { stranded.append(f) }
            }
            if renamed > 0 { try? io.fsyncDirectory(directory) }
            throw error
        }
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
