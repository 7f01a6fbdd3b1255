/// Builds the WAL frames of one append outside the store's lock: rows are encoded (or copied) into
/// records frames of about 1 MiB each, with their first sequence left blank for the lock to fill in.
import LogStoreFormat

struct FrameBuilder {
    var frames = ByteWriter(capacity: 64 << 10)
    var frameStarts: [(offset: Int, firstIndex: Int)] = []
    var accepted: [AcceptedRow] = []
    /// Idempotency keys of accepted rows (index into ``accepted``), written as a keys frame at ``finish()``.
    var keys: [(index: Int, key: IdempotencyKey)] = []
    /// Checkpoints of the append (docs/FORMAT.md, 9.1): when there are any, every row goes into one
    /// records-with-checkpoints frame, written even without rows.
    let checkpoints: [Checkpoint]
    private var frameStart = -1
    private var frameCount = 0

    init(checkpoints: [Checkpoint] = []) {
        self.checkpoints = checkpoints
    }

    /// Opens a new frame when none is open or the open one is full; returns where the next row starts.
    @inline(__always)
    mutating func beginRow() -> Int {
        if frameStart < 0 || (checkpoints.isEmpty && frames.count - frameStart >= 1 << 20) {
            if frameStart >= 0 { WALFrame.finishRecordsFrame(at: frameStart, count: frameCount, in: &frames) }
            frameStart = WALFrame.beginRecordsFrame(type: checkpoints.isEmpty ? WALFormat.recordsFrameType : WALFormat.checkpointsFrameType,
                                                    into: &frames)
            frameStarts.append((frameStart, accepted.count))
            frameCount = 0
        }
        return frames.count
    }

    /// Keeps the row written since `start`.
    @inline(__always)
    mutating func commitRow(start: Int, timestamp: Int64, level: UInt8, correlationHash: UInt64) {
        frameCount += 1
        accepted.append(AcceptedRow(timestamp: timestamp, offset: Int32(start), length: Int32(frames.count - start),
                                    level: level, correlationHash: correlationHash))
    }

    /// Drops the row written since `start`.
    @inline(__always)
    mutating func dropRow(start: Int) { frames.truncate(to: start) }

    /// Gives the row just committed an idempotency key.
    mutating func keyLastRow(_ key: IdempotencyKey) { keys.append((accepted.count - 1, key)) }

    /// Closes the last frame (removing it if it stayed empty, unless it carries checkpoints), then adds the keys frame
    /// (docs/FORMAT.md, 8.1) when rows carry keys; its first sequence is sealed like a records frame's.
    mutating func finish(acceptedAt: Int64) {
        if !checkpoints.isEmpty {
            if frameStart < 0 {
                frameStart = WALFrame.beginRecordsFrame(type: WALFormat.checkpointsFrameType, into: &frames)
                frameStarts.append((frameStart, accepted.count))
                frameCount = 0
            }
            WALFrame.appendCheckpoints(checkpoints, into: &frames)
            WALFrame.finishRecordsFrame(at: frameStart, count: frameCount, in: &frames)
        } else if frameStart < 0 {
            return
        } else if frameCount == 0 {
            frames.truncate(to: frameStart)
            frameStarts.removeLast()
        } else {
            WALFrame.finishRecordsFrame(at: frameStart, count: frameCount, in: &frames)
        }
        frameStart = -1
        if !keys.isEmpty {
            let start = WALFrame.beginKeysFrame(acceptedAt: acceptedAt, into: &frames)
            for (index, key) in keys { WALFrame.appendKeyEntry(delta: index, key: key.bytes, into: &frames) }
            WALFrame.finishKeysFrame(at: start, count: keys.count, in: &frames)
            frameStarts.append((start, 0))
        }
        appendSummary()
    }

    /// Ends the append's frames with a summary frame (docs/FORMAT.md, 4.4) when it holds enough records;
    /// it needs no sequence, so it is complete and checksummed here.
    private mutating func appendSummary() {
        guard accepted.count >= WALSummary.minimumRecords else { return }
        var minTimestamp = Int64.max
        var maxTimestamp = Int64.min
        var levelMask: UInt8 = 0
        var hashes: [UInt64] = []
        for a in accepted {
            minTimestamp = min(minTimestamp, a.timestamp)
            maxTimestamp = max(maxTimestamp, a.timestamp)
            levelMask |= 1 << a.level
            if a.correlationHash != 0 { hashes.append(a.correlationHash) }
        }
        let summary = WALSummary(coveredLength: frames.count, count: accepted.count, minTimestamp: minTimestamp,
                                 maxTimestamp: maxTimestamp, levelMask: levelMask, filter: CorrelationFilter(hashes: hashes))
        WALFrame.appendSummaryFrame(summary, into: &frames)
    }
}

/// What the append path keeps of an accepted record: where its row is and what the head indexes.
struct AcceptedRow {
    var timestamp: Int64
    var offset: Int32
    var length: Int32
    var level: UInt8
    var correlationHash: UInt64
}

/// Rows already in the row encoding (docs/FORMAT.md, 3.4), for producers inside this package that
/// encode without building `LogRecord`s (the NDJSON fast path). Appended with
/// ``LogStore/append(rows:)``, which checks their structure.
package struct EncodedRows: Sendable {
    package var bytes = ByteWriter(capacity: 1 << 20)
    /// End offset of each row in `bytes`.
    package var ends: [Int] = []
    /// Idempotency keys of some rows (index into ``ends``, increasing): `LogStore.append(rows:)` drops a
    /// row whose key it accepted before, as for ``LogRecord/idempotencyKey`` (docs/FORMAT.md, 8).
    package var keys: [(row: Int, key: IdempotencyKey)] = []

    package init() {}

    package var count: Int { ends.count }

    /// Marks the bytes written since the previous row as one row.
    package mutating func endRow() { ends.append(bytes.count) }

    /// Gives the row just ended an idempotency key.
    package mutating func keyLastRow(_ key: IdempotencyKey) { keys.append((ends.count - 1, key)) }

    package mutating func removeAll() {
        bytes.removeAll()
        ends.removeAll(keepingCapacity: true)
        keys.removeAll()
    }
}
