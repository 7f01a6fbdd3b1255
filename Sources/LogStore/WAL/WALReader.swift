/// A damaged byte range found in a store file.
import LogStoreFormat

public struct DamageReport: Sendable, Hashable, CustomStringConvertible {
    /// The file, relative to the store directory.
    public var file: String
    /// Where the damage starts.
    public var offset: Int
    /// How many bytes were unreadable (0 when unknown).
    public var length: Int
    /// What is wrong.
    public var reason: String
    /// How many records the damage made unreadable, when that is known (a damaged block's footer
    /// entry or a single row says it; a damaged WAL frame's count is unreadable with it): nil when unknown.
    public var records: Int?

    public init(file: String, offset: Int, length: Int, reason: String, records: Int? = nil) {
        self.file = file
        self.offset = offset
        self.length = length
        self.reason = reason
        self.records = records
    }

    /// `FILE at byte OFFSET (LENGTH bytes): REASON`, with `; N records lost` when known.
    public var description: String {
        "\(file) at byte \(offset)" + (length > 0 ? " (\(length) bytes)" : "") + ": \(reason)"
            + (records.map { "; \($0) record\($0 == 1 ? "" : "s") lost" } ?? "")
    }
}

/// The result of reading one WAL file (docs/FORMAT.md, 4.3).
struct WALReadResult {
    var header: WALHeader?
    /// The file's bytes; `rows` point into them.
    var batch: RowBatch?
    /// The valid rows, in order, each checked to decode.
    var rows: [RowRef] = []
    /// Correlation hash per row (0 when none).
    var correlationHashes: [UInt64] = []
    /// Idempotency keys from keys frames (docs/FORMAT.md, 8.1), only of rows read back.
    var keys: [KeysFile.Entry] = []
    /// Checkpoints of records-with-checkpoints frames (docs/FORMAT.md, 9.1), in file order (later wins).
    var checkpoints: [Checkpoint] = []
    /// End of the last good frame; the writer truncates the file here when a torn tail follows.
    var validEnd = WALFormat.headerSize
    /// The file size.
    var size = 0
    /// Bytes after `validEnd` that a crash left behind (not damage).
    var tornTailBytes = 0
    /// Damage before the tail.
    var damage: [DamageReport] = []
    /// Set when the file was written by a newer format version; nothing else is read from it.
    var unsupported: FormatError?
    /// Summarized frame groups left undecoded (only ``WALReader/readDeferring(_:name:isNewest:)``; FORMAT.md 4.4).
    var deferred: [DeferredFrameGroup] = []

    /// Records read: decoded rows and those of deferred groups.
    var recordCount: Int { rows.count + deferred.reduce(0) { $0 + $1.summary.count } }
}

/// Reads WAL files for replay and verification.
enum WALReader {
    /// Reads and checks `bytes` of the WAL file called `name`.
    ///
    /// `isNewest` tells whether it is the last WAL file, where a short or partial header is what a
    /// crash during file creation leaves.
    static func read(_ bytes: [UInt8], name: String, isNewest: Bool) -> WALReadResult {
        read(RowBatch(copying: bytes), name: name, isNewest: isNewest)
    }

    /// Reads and checks the WAL file bytes held by `batch` (see ``read(_:name:isNewest:)``); the rows
    /// point into the batch, so nothing is copied.
    static func read(_ batch: RowBatch, name: String, isNewest: Bool) -> WALReadResult {
        var result = WALReadResult()
        let buf = batch.bytes
        result.size = buf.count
        result.batch = batch
        do throws(FormatError) {
            result.header = try WALHeader.decode(buf)
        } catch {
            if error.isUnsupportedVersion {
                result.unsupported = error
                return result
            }
            if isNewest && buf.count < WALFormat.headerSize + WALFormat.frameHeaderSize
                && WALFrame.nextValidFrame(after: 0, in: buf) == nil {
                result.tornTailBytes = buf.count
                result.validEnd = 0
                return result
            }
            result.damage.append(DamageReport(file: name, offset: error.offset, length: min(buf.count, WALFormat.headerSize),
                                              reason: "WAL header: \(error.reason)"))
            // Salvage the frames after the header anyway.
        }
        scanFrames(buf, from: WALFormat.headerSize, name: name, into: &result)
        return result
    }

    /// Whether `rows` (in increasing sequence order) holds `sequence`.
    private static func containsRow(_ rows: [RowRef], sequence: UInt64) -> Bool {
        var lo = 0
        var hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid].sequence < sequence { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.count && rows[lo].sequence == sequence
    }

    static func scanFrames(_ buf: UnsafeRawBufferPointer, from start: Int, name: String, into result: inout WALReadResult) {
        var offset = start
        result.validEnd = min(start, buf.count)
        var lastSequence: UInt64 = 0
        // Records frames accepted so far, with the index of their first row, for checking summaries (4.4).
        var recordFrames: [(offset: Int, firstRow: Int)] = []
        while offset < buf.count {
            var problem: String?
            if let frame = WALFrame.frame(at: offset, in: buf) {
                if frame.type == WALFormat.keysFrameType {
                    do throws(FormatError) {
                        let (acceptedAt, entries) = try WALFrame.decodeKeys(frame.payload)
                        for e in entries where containsRow(result.rows, sequence: e.sequence) {
                            result.keys.append(KeysFile.Entry(sequence: e.sequence, acceptedAt: acceptedAt,
                                                              key: IdempotencyKey(bytes: Array(e.key))))
                        }
                        offset = frame.end
                        result.validEnd = offset
                        continue
                    } catch {
                        problem = "keys frame does not decode: \(error.reason) at payload byte \(error.offset)"
                    }
                } else if frame.type == WALFormat.summaryFrameType {
                    // A hint for readers that only query (4.4); a full read decodes every frame anyway.
                    do throws(FormatError) {
                        let summary = try WALFrame.decodeSummary(frame.payload)
                        if let mismatch = summaryMismatch(summary, at: frame.offset, recordFrames: recordFrames, rows: result.rows,
                                                          hashes: result.correlationHashes, damage: result.damage) {
                            problem = "summary frame does not match the frames before it: \(mismatch)"
                        } else {
                            offset = frame.end
                            result.validEnd = offset
                            continue
                        }
                    } catch {
                        problem = "summary frame does not decode: \(error.reason) at payload byte \(error.offset)"
                    }
                } else if !WALFormat.holdsRecords(frame.type) {
                    result.unsupported = .unsupportedVersion("frame type \(frame.type) is not known to this version (written by a newer LogStore)", at: offset + 8)
                    return
                } else {
                    do throws(FormatError) {
                        let (records, checkpoints) = try WALFrame.recordsAndCheckpoints(type: frame.type, payload: frame.payload)
                        if try WALFrame.recordCount(records) == 0 && frame.type == WALFormat.checkpointsFrameType {
                            // A checkpoint-only frame (9.1): no records, no place in the sequence order.
                            result.checkpoints.append(contentsOf: checkpoints)
                            offset = frame.end
                            result.validEnd = offset
                            continue
                        }
                        // Rows go straight into the result, numbered from the frame's first sequence (its
                        // first 8 bytes, checked by scanRows), and are taken back if the frame is refused.
                        let rowsBefore = result.rows.count
                        guard let base = records.baseAddress else { throw FormatError("records payload is empty", at: 0) }
                        var next = records.count >= 8 ? records.loadUnaligned(as: UInt64.self).littleEndian : 0
                        let (first, count): (UInt64, Int)
                        do throws(FormatError) {
                            (first, count) = try WALFrame.scanRows(records) { offset, length, view in
                                result.rows.append(RowRef(timestamp: view.timestamp, sequence: next, row: base + offset,
                                                          length: Int32(length), level: view.level))
                                result.correlationHashes.append(view.correlation.isEmpty ? 0 : CorrelationHash.hash(view.correlation))
                                next &+= 1
                            }
                        } catch {
                            result.rows.removeSubrange(rowsBefore...)
                            result.correlationHashes.removeSubrange(rowsBefore...)
                            throw error
                        }
                        if first <= lastSequence {
                            result.rows.removeSubrange(rowsBefore...)
                            result.correlationHashes.removeSubrange(rowsBefore...)
                            problem = "sequence \(first) does not follow \(lastSequence)"
                        } else {
                            lastSequence = first + UInt64(count) - 1
                            recordFrames.append((frame.offset, rowsBefore))
                            result.checkpoints.append(contentsOf: checkpoints)
                            offset = frame.end
                            result.validEnd = offset
                            continue
                        }
                    } catch {
                        problem = "records frame does not decode: \(error.reason) at payload byte \(error.offset)"
                    }
                }
            }
            // The frame at `offset` is bad. Is there anything valid after it?
            guard let next = WALFrame.nextValidFrame(after: offset, in: buf) else {
                if problem == nil {
                    result.tornTailBytes = buf.count - offset
                } else {
                    result.damage.append(DamageReport(file: name, offset: offset, length: buf.count - offset, reason: problem ?? ""))
                }
                return
            }
            result.damage.append(DamageReport(file: name, offset: offset, length: next - offset,
                                              reason: problem ?? "frame checksum mismatch or bad length; \(next - offset) bytes skipped"))
            offset = next
        }
    }
}
