/// A damaged byte range found in a store file.
public struct DamageReport: Sendable, CustomStringConvertible {
    /// The file, relative to the store directory.
    public var file: String
    /// Where the damage starts.
    public var offset: Int
    /// How many bytes were unreadable (0 when unknown).
    public var length: Int
    /// What is wrong.
    public var reason: String

    /// `FILE at byte OFFSET (LENGTH bytes): REASON`.
    public var description: String {
        "\(file) at byte \(offset)" + (length > 0 ? " (\(length) bytes)" : "") + ": \(reason)"
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
}

/// Reads WAL files for replay and verification.
enum WALReader {
    /// Reads and checks `bytes` of the WAL file called `name`.
    ///
    /// `isNewest` tells whether it is the last WAL file, where a short or partial header is what a
    /// crash during file creation leaves.
    static func read(_ bytes: [UInt8], name: String, isNewest: Bool) -> WALReadResult {
        var result = WALReadResult()
        result.size = bytes.count
        let batch = RowBatch(copying: bytes)
        result.batch = batch
        let buf = batch.bytes
        do throws(FormatError) {
            result.header = try WALHeader.decode(buf)
        } catch {
            if error.isUnsupportedVersion {
                result.unsupported = error
                return result
            }
            if isNewest && bytes.count < WALFormat.headerSize + WALFormat.frameHeaderSize
                && WALFrame.nextValidFrame(after: 0, in: buf) == nil {
                result.tornTailBytes = bytes.count
                result.validEnd = 0
                return result
            }
            result.damage.append(DamageReport(file: name, offset: error.offset, length: min(bytes.count, WALFormat.headerSize),
                                              reason: "WAL header: \(error.reason)"))
            // Salvage the frames after the header anyway.
        }
        scanFrames(buf, from: WALFormat.headerSize, name: name, into: &result)
        return result
    }

    /// Records the rows of a decoded records frame (their bytes are in the frame's payload).
    private static func appendRows(_ frame: WALFrame.Frame, _ records: [LogRecord], _ ends: [Int], to result: inout WALReadResult) {
        let base = frame.payload.baseAddress!
        var start = 12
        for (record, end) in zip(records, ends) {
            result.rows.append(RowRef(timestamp: record.timestamp, sequence: record.sequence, row: base + start,
                                      length: Int32(end - start), level: record.level.rawValue))
            result.correlationHashes.append(record.correlationID.map(CorrelationHash.hash) ?? 0)
            start = end
        }
    }

    private static func scanFrames(_ buf: UnsafeRawBufferPointer, from start: Int, name: String, into result: inout WALReadResult) {
        var offset = start
        result.validEnd = min(start, buf.count)
        var lastSequence: UInt64 = 0
        while offset < buf.count {
            var problem: String?
            if let frame = WALFrame.frame(at: offset, in: buf) {
                if frame.type != WALFormat.recordsFrameType {
                    result.unsupported = .unsupportedVersion("frame type \(frame.type) is not known to this version (written by a newer LogStore)", at: offset + 8)
                    return
                } else {
                    do throws(FormatError) {
                        var ends: [Int] = []
                        let records = try WALFrame.decodeRecords(frame.payload, rowEnds: &ends)
                        if let first = records.first, first.sequence <= lastSequence {
                            problem = "sequence \(first.sequence) does not follow \(lastSequence)"
                        } else {
                            lastSequence = records.last?.sequence ?? lastSequence
                            appendRows(frame, records, ends, to: &result)
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
