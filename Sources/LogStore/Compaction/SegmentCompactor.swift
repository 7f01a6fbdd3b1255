import Glibc
import LogStoreFormat

/// The points of a compaction where a crash test may stop the process (docs/FORMAT.md, 10.2).
package enum CompactionStep: String, Sendable, CaseIterable {
    /// The output's bytes are written to `NNNN.seg.tmp`, not yet synced.
    case outputWritten = "output-written"
    /// The `.seg.tmp` is synced.
    case outputSynced = "output-synced"
    /// The output is renamed to `NNNN.seg`; the directory is not yet synced.
    case outputRenamed = "output-renamed"
    /// `segments/` is synced: the output is durable.
    case directorySynced = "directory-synced"
    /// The output replaced its inputs in the writer's segment set.
    case installed
    /// The first input file is unlinked.
    case firstInputRemoved = "first-input-removed"
    /// Every input file is unlinked and `segments/` synced.
    case inputsRemoved = "inputs-removed"
    /// The `MANIFEST` describes the output instead of the inputs (docs/FORMAT.md 11.4).
    case manifestWritten = "manifest-written"
}

/// Writes one compacted segment from its inputs, crash-safely (docs/FORMAT.md, 10.2, steps 2).
struct SegmentCompactor {
    let directory: String
    let io: any StorageIO
    let blockSize: Int
    /// LZ4 acceleration, or ``LZ4/highCompression(level:)`` for LZ4 HC.
    let acceleration: Int32
    let hook: (@Sendable (CompactionStep) -> Void)?

    /// Thrown (as an `.closed` error) when `shouldStop` answered true; no file is left behind.
    static let stopped = LogStoreError(.closed, "the store is closing; the compaction was abandoned")

    /// Reads every unexpired record of the task's inputs, writes them sorted as segment `id`,
    /// renames it into place and syncs the directory. Returns nil, writing nothing, when every
    /// record has expired.
    ///
    /// Several inputs may overlap in time, so their records are merged in memory (a task holds at
    /// most the planner's target of raw bytes); a lone input is already sorted and is streamed block
    /// by block, so re-encoding a large flushed segment holds about one block in memory.
    func write(_ task: CompactionPlanner.Task, id: UInt64, oldestRetained: Int64, now: Int64,
               shouldStop: () -> Bool) throws(LogStoreError) -> Segment? {
        var merged: [LogRecord] = []
        if task.inputs.count > 1 {
            for input in task.inputs {
                if shouldStop() { throw Self.stopped }
                try input.appendRecords(notBefore: oldestRetained, to: &merged)
            }
            guard !merged.isEmpty else { return nil }
            merged.sort { ($0.timestamp, $0.sequence) < ($1.timestamp, $1.sequence) }
        }
        var replaced = Set<UInt64>()
        for input in task.inputs {
            replaced.insert(input.id)
            replaced.formUnion(input.summary.replaces)
        }
        let header = SegmentHeader(segmentID: id, flushID: task.inputs.map(\.header.flushID).max() ?? 0,
                                   groupSize: 1, groupIndex: 0, windowStart: task.windowStart,
                                   windowSpan: task.windowSpan, createdAt: now,
                                   version: SegmentFormat.compactedVersion)
        var encoder = SegmentEncoder(header: header, rawBlockTarget: blockSize, acceleration: acceleration)
        encoder.replaces = replaced.sorted()
        let name = SegmentFormat.fileName(id)
        let final = joinPath(directory, name)
        let temp = final + ".tmp"
        do throws(LogStoreError) {
            let file = try File(path: temp, flags: O_WRONLY | O_CREAT | O_TRUNC, io: io)
            var out = BlockOutput(file: file, buffer: encoder.headerBytes(), blockSize: blockSize)
            if let lone = task.inputs.first, task.inputs.count == 1 {
                for (index, entry) in try lone.footer().blocks.enumerated() where entry.maxTimestamp >= oldestRetained {
                    if shouldStop() { throw Self.stopped }
                    var run: [LogRecord] = []
                    try lone.appendRecords(ofBlock: index, notBefore: oldestRetained, to: &run)
                    try out.add(run, encoder: &encoder)
                }
            } else {
                try out.add(merged, encoder: &encoder)
            }
            guard try out.finish(encoder: &encoder) else {
                try? io.unlink(temp)
                return nil
            }
            hook?(.outputWritten)
            try file.sync()
            hook?(.outputSynced)
        } catch {
            try? io.unlink(temp)
            throw error
        }
        do throws(LogStoreError) {
            try io.rename(temp, final)
        } catch {
            try? io.unlink(temp)
            throw error
        }
        hook?(.outputRenamed)
        do throws(LogStoreError) {
            try io.fsyncDirectory(directory)
            hook?(.directorySynced)
            return try Segment(path: final, name: name, io: io)
        } catch {
            // Not durable, or not readable back: the inputs stay; the output must not cover them.
            try? io.unlink(final)
            try? io.fsyncDirectory(directory)
            throw error
        }
    }
}

extension Segment {
    /// Appends every record of this segment stamped at or after `oldest`, block by block.
    func appendRecords(notBefore oldest: Int64, to records: inout [LogRecord]) throws(LogStoreError) {
        for (index, entry) in try footer().blocks.enumerated() where entry.maxTimestamp >= oldest {
            try appendRecords(ofBlock: index, notBefore: oldest, to: &records)
        }
    }

    /// Appends the records of block `index` stamped at or after `oldest`.
    func appendRecords(ofBlock index: Int, notBefore oldest: Int64, to records: inout [LogRecord]) throws(LogStoreError) {
        let block = try readBlock(index)
        let rows = (0..<block.count).filter { block.timestamps[$0] >= oldest }
        do throws(FormatError) {
            records.append(contentsOf: try block.records(rows[...]))
        } catch {
            throw .corruption("block \(index): \(error.reason)", path: path, offset: Int((try? footer().blocks[index].offset) ?? 0))
        }
    }
}

/// Cuts sorted runs of records into blocks of about `blockSize` raw bytes and writes them to the
/// file in 1 MiB writes.
private struct BlockOutput {
    let file: File
    var buffer: [UInt8]
    let blockSize: Int
    /// Records waiting for enough bytes to fill a block, and their estimated raw size.
    var pending: [LogRecord] = []
    var pendingBytes = 0
    var blocks = 0

    init(file: File, buffer: [UInt8], blockSize: Int) {
        self.file = file
        self.buffer = buffer
        self.blockSize = blockSize
        self.buffer.reserveCapacity(1 << 20)
    }

    /// Adds a run that sorts after everything added before.
    mutating func add(_ run: [LogRecord], encoder: inout SegmentEncoder) throws(LogStoreError) {
        pending.append(contentsOf: run)
        var start = 0
        var bytes = pendingBytes
        var i = pending.count - run.count
        while i < pending.count {
            bytes += SegmentEncoder.estimatedRawSize(pending[i])
            i += 1
            if bytes >= blockSize {
                try emit(encoder.block(pending[start..<i]))
                start = i
                bytes = 0
            }
        }
        pending.removeFirst(start)
        pendingBytes = bytes
    }

    /// Writes the last block, the footer and the trailer; false when no record was written at all.
    mutating func finish(encoder: inout SegmentEncoder) throws(LogStoreError) -> Bool {
        if !pending.isEmpty { try emit(encoder.block(pending[...])) }
        pending = []
        guard blocks > 0 else { return false }
        buffer.append(contentsOf: encoder.finish().bytes)
        try file.write(buffer)
        buffer = []
        return true
    }

    private mutating func emit(_ bytes: [UInt8]) throws(LogStoreError) {
        blocks += 1
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 {
            try file.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
