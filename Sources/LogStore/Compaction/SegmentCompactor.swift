#if canImport(Glibc)
import Glibc
#endif

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
    func write(_ task: CompactionPlanner.Task, id: UInt64, oldestRetained: Int64, now: Int64,
               shouldStop: () -> Bool) throws(LogStoreError) -> Segment? {
        var records: [LogRecord] = []
        for input in task.inputs {
            if shouldStop() { throw Self.stopped }
            try input.appendRecords(notBefore: oldestRetained, to: &records)
        }
        guard !records.isEmpty else { return nil }
        records.sort { ($0.timestamp, $0.sequence) < ($1.timestamp, $1.sequence) }
        var replaced = Set<UInt64>()
        for input in task.inputs {
            replaced.insert(input.id)
            replaced.formUnion(input.footer.replaces)
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
            var buffer = encoder.headerBytes()
            var failure: LogStoreError?
            var cancelled = false
            encoder.blocks(records[...]) { bytes in
                guard failure == nil, !cancelled else { return }
                buffer.append(contentsOf: bytes)
                if buffer.count >= 1 << 20 {
                    do throws(LogStoreError) { try file.write(buffer) } catch { failure = error }
                    buffer.removeAll(keepingCapacity: true)
                    cancelled = shouldStop()
                }
            }
            if let failure { throw failure }
            if cancelled { throw Self.stopped }
            buffer.append(contentsOf: encoder.finish().bytes)
            try file.write(buffer)
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
        for (index, entry) in footer.blocks.enumerated() where entry.maxTimestamp >= oldest {
            let block = try readBlock(index)
            let rows = (0..<block.count).filter { block.timestamps[$0] >= oldest }
            do throws(FormatError) {
                records.append(contentsOf: try block.records(rows[...]))
            } catch {
                throw .corruption("block \(index): \(error.reason)", path: path, offset: Int(entry.offset))
            }
        }
    }
}
