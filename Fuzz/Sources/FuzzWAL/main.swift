// Fuzz target: WAL file bytes → header, then the frame walk of the engine's replay (WALReader.scanFrames,
// internal, replicated here with the public format API). Runs the input as given, then a copy whose header
// and frame checksums were recomputed so that mutations reach decodeRecords / RowCodec.decode.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreFormat

func replay(_ buf: UnsafeRawBufferPointer) {
    do throws(FormatError) {
        _ = try WALHeader.decode(buf)
    } catch {
        if error.isUnsupportedVersion { return }
        // Torn newest file: shorter than a header plus a frame and holding no valid frame.
        if buf.count < WALFormat.headerSize + WALFormat.frameHeaderSize
            && WALFrame.nextValidFrame(after: 0, in: buf) == nil { return }
        // Otherwise damage; the engine salvages the frames after the header anyway.
    }
    var offset = WALFormat.headerSize
    var validEnd = min(offset, buf.count)
    var lastSequence: UInt64 = 0
    var rows: [RowRef] = []
    var records: [LogRecord] = []
    while offset < buf.count {
        if let frame = WALFrame.frame(at: offset, in: buf) {
            require(frame.offset == offset && frame.end <= buf.count && frame.payload.count <= WALFormat.maxFramePayload,
                    "frame at \(offset) extends past the file")
            if !WALFormat.holdsRecords(frame.type) { return }  // keys, or a newer version: not replayed here
            guard let (recordsPart, checkpoints) = try? WALFrame.recordsAndCheckpoints(type: frame.type, payload: frame.payload) else {
                guard let next = WALFrame.nextValidFrame(after: offset, in: buf) else { break }
                offset = next
                continue
            }
            checkCheckpoints(frame, recordsPart, checkpoints)
            if frame.type == WALFormat.checkpointsFrameType, (try? WALFrame.recordCount(recordsPart)) == 0 {
                offset = frame.end  // a checkpoint-only frame
                validEnd = offset
                continue
            }
            var ends: [Int] = []
            if let decoded = try? WALFrame.decodeRecords(recordsPart, rowEnds: &ends) {
                checkFrame(recordsPart, decoded, ends)
                if let first = decoded.first, first.sequence > lastSequence {
                    lastSequence = decoded.last!.sequence
                    let base = recordsPart.baseAddress!
                    var start = 12
                    for (record, end) in zip(decoded, ends) {
                        rows.append(RowRef(timestamp: record.timestamp, sequence: record.sequence, row: base + start,
                                           length: Int32(end - start), level: record.level.rawValue))
                        start = end
                    }
                    records.append(contentsOf: decoded)
                    offset = frame.end
                    validEnd = offset
                    continue
                }
                // Sequence does not follow: damage, handled like a frame that does not decode.
            }
        }
        guard let next = WALFrame.nextValidFrame(after: offset, in: buf) else { break }
        require(next > offset && next + WALFormat.frameHeaderSize <= buf.count, "nextValidFrame went from \(offset) to \(next)")
        offset = next
    }
    require(validEnd <= buf.count, "valid end \(validEnd) past the file")
    require(records.count <= buf.count / 13, "\(records.count) records replayed from \(buf.count) bytes")
    for i in records.indices.dropFirst() {
        require(records[i].sequence > records[i - 1].sequence, "replayed sequences do not increase")
    }
    checkFlush(rows, records)
}

/// A records-with-checkpoints frame (FORMAT.md 9.1): the checkpoints re-encode to the frame's tail
/// exactly, and the records part is a prefix of the payload.
func checkCheckpoints(_ frame: WALFrame.Frame, _ records: UnsafeRawBufferPointer, _ checkpoints: [Checkpoint]) {
    require(records.baseAddress == frame.payload.baseAddress && records.count <= frame.payload.count, "records part is not a prefix")
    guard frame.type == WALFormat.checkpointsFrameType else {
        require(checkpoints.isEmpty && records.count == frame.payload.count, "a type 1 frame has checkpoints")
        return
    }
    require(!checkpoints.isEmpty && checkpoints.count <= Checkpoint.maxPerAppend, "\(checkpoints.count) checkpoints decoded")
    require(Set(checkpoints.map(\.name)).count == checkpoints.count, "duplicate checkpoint names decoded")
    for c in checkpoints { require(c.invalidReason == nil, "invalid checkpoint decoded: \(c.invalidReason ?? "")") }
    // Re-encoded after the same records part, the list decodes to itself.
    var w = ByteWriter()
    w.raw(records)
    WALFrame.appendCheckpoints(checkpoints, into: &w)
    let again = w.withBytes { try? WALFrame.recordsAndCheckpoints(type: WALFormat.checkpointsFrameType, payload: $0) }
    require(again?.checkpoints == checkpoints && again?.records.count == records.count, "checkpoints do not round-trip")
    // The same list as a CHECKPOINTS file round-trips through its decoder.
    var values: [String: [UInt8]] = [:]
    for c in checkpoints where !c.value.isEmpty { values[c.name] = c.value }
    let file = CheckpointsFile.encode(values)
    let back = file.withUnsafeBytes { try? CheckpointsFile.decode($0) }
    require(back == values, "CHECKPOINTS round trip changed the values")
}

/// One decoded records frame: counts, row boundaries and the row round trip.
func checkFrame(_ payload: UnsafeRawBufferPointer, _ records: [LogRecord], _ ends: [Int]) {
    require(!records.isEmpty && records.count == ends.count, "frame decoded \(records.count) records, \(ends.count) row ends")
    require(records.count <= payload.count / 13 + 1, "frame of \(payload.count) bytes holds \(records.count) records")
    require(ends.last == payload.count, "rows end at \(ends.last ?? -1), payload is \(payload.count) bytes")
    var start = 12
    for (i, (record, end)) in zip(records, ends).enumerated() {
        require(record.sequence == records[0].sequence + UInt64(i), "sequences inside a frame are not consecutive")
        require(end > start, "row \(i) is empty")
        let row = UnsafeRawBufferPointer(rebasing: payload[start..<end])
        // Every decoded record re-encodes to the row bytes (with varints in shortest form).
        guard let canonical = CanonicalRow.canonical(row) else {
            fatalError("fuzz invariant violated: row \(i) decoded by RowCodec but not by the independent row walk")
        }
        var w = ByteWriter()
        RowCodec.encode(record, into: &w)
        require(w.bytes == canonical, "row \(i) re-encodes differently:\n  row    \(Array(row))\n  encode \(w.bytes)\n  record \(record)")
        // The flush path splits WAL rows with RowView; it must accept every row RowCodec accepts.
        do {
            let view = try RowView(row)
            require(view.timestamp == record.timestamp && view.level == record.level.rawValue
                    && view.message.count == record.message.utf8.count && view.attributeCount == record.attributes.count,
                    "RowView disagrees with RowCodec on row \(i)")
        } catch {
            fatalError("fuzz invariant violated: RowView rejects row \(i) that RowCodec decoded: \(error)")
        }
        start = end
    }
}

/// What a flush does with replayed rows: sort by (timestamp, sequence), encode blocks from the row bytes, and
/// the blocks must decode to the same records.
func checkFlush(_ rows: [RowRef], _ records: [LogRecord]) {
    guard !rows.isEmpty else { return }
    let order = rows.indices.sorted { RowRef.ordered(rows[$0], rows[$1]) }
    let sortedRows = order.map { rows[$0] }
    let sortedRecords = order.map { records[$0] }
    var encoder = BlockEncoder()
    let raw: [UInt8]
    do { raw = try encoder.encode(rows: sortedRows[...]).raw } catch {
        fatalError("fuzz invariant violated: BlockEncoder rejects replayed WAL rows: \(error)")
    }
    let block: DecodedBlock
    do { block = try DecodedBlock(raw: raw) } catch {
        fatalError("fuzz invariant violated: block encoded from WAL rows does not decode: \(error)")
    }
    require(block.count == sortedRecords.count, "flushed block holds \(block.count) of \(sortedRecords.count) records")
    for i in 0..<block.count {
        guard let r = try? block.record(i) else {
            fatalError("fuzz invariant violated: record \(i) of a block flushed from WAL rows does not materialize")
        }
        require(exactlyIdentical(r, sortedRecords[i]), "WAL → block changed record \(i):\n  WAL   \(sortedRecords[i])\n  block \(r)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buf = inputBuffer(data, size)
    replay(buf)
    var fixed = Array(buf)
    ChecksumFixup.wal(&fixed)
    if !fixed.elementsEqual(buf) {
        fixed.withUnsafeBytes { replay($0) }
    }
    return 0
}

fuzzMain { fuzzOne($0, $1) }
