/// The read of a WAL file for a read-only open (docs/FORMAT.md, 4.4): every frame's checksum is checked,
/// but the rows of an append with a summary frame are left undecoded in a ``DeferredFrameGroup`` until a
/// query may need them. Anything unusual (damage, a sequence that does not follow, a frame that does
/// not decode) falls back to ``WALReader/read(_:name:isNewest:)``, which decodes the whole file.
import LogStoreFormat

extension WALReader {
    /// A records frame met since the last summary: where it and its records part lie, and its sequences.
    private struct PendingFrame {
        var offset: Int
        var records: Range<Int>
        var first: UInt64
        var count: Int
    }

    static func readDeferring(_ batch: RowBatch, name: String, isNewest: Bool) -> WALReadResult {
        let buf = batch.bytes
        guard (try? WALHeader.decode(buf)) != nil else { return read(batch, name: name, isNewest: isNewest) }
        var result = WALReadResult()
        result.size = buf.count
        result.batch = batch
        result.header = try? WALHeader.decode(buf)
        var offset = WALFormat.headerSize
        result.validEnd = min(offset, buf.count)
        var pending: [PendingFrame] = []
        var eager: [Range<Int>] = []
        var lastSequence: UInt64 = 0
        while offset < buf.count {
            guard let frame = WALFrame.frame(at: offset, in: buf) else {
                // Damage is reported by the full read; a torn tail (a live writer's partial frame) ends the walk.
                if WALFrame.nextValidFrame(after: offset, in: buf) != nil { return read(batch, name: name, isNewest: isNewest) }
                result.tornTailBytes = buf.count - offset
                break
            }
            let payloadStart = frame.offset + WALFormat.frameHeaderSize
            switch frame.type {
            case WALFormat.keysFrameType:
                // A read-only store does not use idempotency keys; a keys frame that does not decode is damage.
                guard (try? WALFrame.decodeKeys(frame.payload)) != nil else { return read(batch, name: name, isNewest: isNewest) }
            case WALFormat.summaryFrameType:
                guard let summary = try? WALFrame.decodeSummary(frame.payload) else { return read(batch, name: name, isNewest: isNewest) }
                let start = frame.offset - summary.coveredLength
                if let i = pending.firstIndex(where: { $0.offset == start }),
                   pending[i...].reduce(0, { $0 + $1.count }) == summary.count,
                   let first = pending[i...].first?.first, let last = pending.last {
                    eager += pending[..<i].map(\.records)
                    let group = DeferredFrameGroup(summary: summary, batch: batch, records: pending[i...].map(\.records),
                                                   sequences: first...(last.first + UInt64(last.count) - 1), file: name)
                    result.deferred.append(group)
                } else {
                    eager += pending.map(\.records)
                }
                pending.removeAll()
            case let type where WALFormat.holdsRecords(type):
                guard let (records, checkpoints) = try? WALFrame.recordsAndCheckpoints(type: type, payload: frame.payload),
                      records.count >= 12 else { return read(batch, name: name, isNewest: isNewest) }
                let first = records.loadUnaligned(as: UInt64.self).littleEndian
                let count = Int(records.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
                result.checkpoints.append(contentsOf: checkpoints)
                if count == 0 && type == WALFormat.checkpointsFrameType { break }
                // The checks scanRows makes of a frame's header, and the sequence order of 4.2.
                guard count > 0, count <= (records.count - 12) / 13 + 1, first > lastSequence,
                      first <= UInt64.max - UInt64(count) else { return read(batch, name: name, isNewest: isNewest) }
                lastSequence = first + UInt64(count) - 1
                guard let recordsBase = records.baseAddress, let payloadBase = frame.payload.baseAddress else {
                    return read(batch, name: name, isNewest: isNewest)
                }
                let recordsStart = payloadStart + (recordsBase - payloadBase)
                pending.append(PendingFrame(offset: frame.offset, records: recordsStart..<(recordsStart + records.count),
                                            first: first, count: count))
            default:
                result.unsupported = .unsupportedVersion("frame type \(frame.type) is not known to this version (written by a newer LogStore)",
                                                         at: offset + 8)
                return result
            }
            offset = frame.end
            result.validEnd = offset
        }
        eager += pending.map(\.records)
        for range in eager {
            do throws(FormatError) {
                _ = try appendRows(of: UnsafeRawBufferPointer(rebasing: buf[range]), rows: &result.rows, hashes: &result.correlationHashes)
            } catch {
                return read(batch, name: name, isNewest: isNewest)
            }
        }
        // `eager` is in file order, so its rows are in sequence order (4.2).
        return result
    }

    /// Appends the rows of a records part (type 1 layout) to `rows`, with their correlation hashes; on
    /// error nothing is appended. Returns the first sequence and count.
    @discardableResult
    static func appendRows(of records: UnsafeRawBufferPointer, rows: inout [RowRef], hashes: inout [UInt64]) throws(FormatError) -> (UInt64, Int) {
        let rowsBefore = rows.count
        guard let base = records.baseAddress else { throw FormatError("records payload is empty", at: 0) }
        var next = records.count >= 8 ? records.loadUnaligned(as: UInt64.self).littleEndian : 0
        do throws(FormatError) {
            return try WALFrame.scanRows(records) { offset, length, view in
                rows.append(RowRef(timestamp: view.timestamp, sequence: next, row: base + offset, length: Int32(length), level: view.level))
                hashes.append(view.correlation.isEmpty ? 0 : CorrelationHash.hash(view.correlation))
                next &+= 1
            }
        } catch {
            rows.removeSubrange(rowsBefore...)
            hashes.removeSubrange(rowsBefore...)
            throw error
        }
    }
}
