/// Encoding and scanning of WAL frames (docs/FORMAT.md, 4.2 and 4.3).
public enum WALFrame {
    /// Appends one records frame holding `rows` (the concatenated row encodings of `count` records).
    public static func appendRecordsFrame(firstSequence: UInt64, count: Int, rows: UnsafeRawBufferPointer,
                                          into w: inout ByteWriter) {
        let payloadLength = 8 + 4 + rows.count
        let start = w.count
        w.u32(UInt32(payloadLength))
        w.u32(0)  // checksum, patched below
        w.u8(WALFormat.recordsFrameType)
        w.u64(firstSequence)
        w.u32(UInt32(count))
        w.raw(rows)
        let crc = w.bytes.withUnsafeBytes { all -> UInt32 in
            let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[start..<(start + 4)]))
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[(start + 8)...]), continuing: lengthCRC)
        }
        w.patchU32(crc, at: start + 4)
    }

    /// Starts a records frame whose first sequence is not known yet; append rows, then call
    /// ``finishRecordsFrame(at:count:in:)`` and, once the sequence is known, ``sealRecordsFrame(at:firstSequence:in:)``.
    /// Returns the frame's start offset.
    /// `type` is ``WALFormat/recordsFrameType`` or, for an append with checkpoints,
    /// ``WALFormat/checkpointsFrameType`` (then add ``appendCheckpoints(_:into:)`` before finishing).
    public static func beginRecordsFrame(type: UInt8 = WALFormat.recordsFrameType, into w: inout ByteWriter) -> Int {
        let start = w.count
        w.u32(0)  // payload length
        w.u32(0)  // checksum
        w.u8(type)
        w.u64(0)  // first sequence
        w.u32(0)  // count
        return start
    }

    /// Fills in the length and record count of the frame begun at `start`, which ends at the writer's end.
    public static func finishRecordsFrame(at start: Int, count: Int, in w: inout ByteWriter) {
        w.patchU32(UInt32(w.count - start - WALFormat.frameHeaderSize), at: start)
        w.patchU32(UInt32(count), at: start + WALFormat.frameHeaderSize + 8)
    }

    /// Sets the first sequence of a finished frame and computes its checksum.
    public static func sealRecordsFrame(at start: Int, firstSequence: UInt64, in w: inout ByteWriter) {
        w.patchU64(firstSequence, at: start + WALFormat.frameHeaderSize)
        let crc = w.withBytes { all -> UInt32 in
            let length = Int(all.loadUnaligned(fromByteOffset: start, as: UInt32.self).littleEndian)
            let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[start..<(start + 4)]))
            let body = UnsafeRawBufferPointer(rebasing: all[(start + 8)..<(start + WALFormat.frameHeaderSize + length)])
            return CRC32C.checksum(body, continuing: lengthCRC)
        }
        w.patchU32(crc, at: start + 4)
    }

    /// ``sealRecordsFrame(at:firstSequence:in:)`` for frames already copied into `bytes`.
    public static func sealRecordsFrame(at start: Int, firstSequence: UInt64, in bytes: UnsafeMutableRawBufferPointer) {
        bytes.storeBytes(of: firstSequence.littleEndian, toByteOffset: start + WALFormat.frameHeaderSize, as: UInt64.self)
        let all = UnsafeRawBufferPointer(bytes)
        let length = Int(all.loadUnaligned(fromByteOffset: start, as: UInt32.self).littleEndian)
        let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[start..<(start + 4)]))
        let body = UnsafeRawBufferPointer(rebasing: all[(start + 8)..<(start + WALFormat.frameHeaderSize + length)])
        bytes.storeBytes(of: CRC32C.checksum(body, continuing: lengthCRC).littleEndian, toByteOffset: start + 4, as: UInt32.self)
    }

    /// A frame whose header and checksum are valid.
    public struct Frame {
        public var offset: Int
        public var type: UInt8
        public var payload: UnsafeRawBufferPointer
        public var end: Int { offset + WALFormat.frameHeaderSize + payload.count }
    }

    /// The valid frame starting at `offset`, or nil when the bytes there are not one
    /// (incomplete, oversized, or a checksum mismatch).
    public static func frame(at offset: Int, in buffer: UnsafeRawBufferPointer) -> Frame? {
        guard offset >= 0, buffer.count - offset >= WALFormat.frameHeaderSize else { return nil }
        let length = Int(buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
        guard length <= WALFormat.maxFramePayload,
              length <= buffer.count - offset - WALFormat.frameHeaderSize else { return nil }
        let stored = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian
        let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + 4)]))
        let body = UnsafeRawBufferPointer(rebasing: buffer[(offset + 8)..<(offset + 9 + length)])
        guard CRC32C.checksum(body, continuing: lengthCRC) == stored else { return nil }
        return Frame(offset: offset, type: buffer[offset + 8],
                     payload: UnsafeRawBufferPointer(rebasing: buffer[(offset + 9)..<(offset + 9 + length)]))
    }

    /// The offset of the first valid frame strictly after `offset`, or nil. Used to tell a torn
    /// tail (nothing valid follows) from damage in the middle of a file.
    public static func nextValidFrame(after offset: Int, in buffer: UnsafeRawBufferPointer) -> Int? {
        var o = offset + 1
        while o + WALFormat.frameHeaderSize <= buffer.count {
            if frame(at: o, in: buffer) != nil { return o }
            o += 1
        }
        return nil
    }

    /// Walks the rows of a records-frame payload without building records: checks each row's structure
    /// (lengths, level, flag, attribute types, exact end) and reports its place and key fields. Strings
    /// are not validated as UTF-8 here; the frame checksum already vouches for what the writer wrote.
    /// Returns the frame's first sequence and record count.
    public static func scanRows(_ payload: UnsafeRawBufferPointer,
                                _ visit: (_ offset: Int, _ length: Int, _ view: RowView) -> Void) throws(FormatError) -> (firstSequence: UInt64, count: Int) {
        var r = ByteReader(payload)
        let first = try r.u64("first sequence")
        let count = Int(try r.u32("record count"))
        guard count > 0, count <= r.remaining / 13 + 1 else {
            throw FormatError("record count \(count) cannot fit in \(r.remaining) bytes", at: 8)
        }
        guard first > 0, first <= UInt64.max - UInt64(count) else {
            throw FormatError("first sequence \(first) out of range", at: 0)
        }
        for _ in 0..<count {
            let start = r.offset
            let rest = UnsafeRawBufferPointer(rebasing: payload[start...])
            let view: RowView
            do throws(FormatError) { view = try RowView(rest) } catch { throw error.shifted(by: start) }
            var a = ByteReader(rest, offset: view.attributesOffset)
            do throws(FormatError) {
                for _ in 0..<view.attributeCount {
                    _ = try a.bytes(try a.count("attribute key length", max: a.remaining), "attribute key")
                    let type = try a.u8("attribute type")
                    _ = try a.bytes(try RowView.valueLength(type, in: rest, at: a.offset), "attribute value")
                }
            } catch { throw error.shifted(by: start) }
            if view.correlationFlag == 1 && view.correlation.isEmpty {
                throw FormatError("empty correlation ID (an empty ID is stored as no ID)", at: start)
            }
            visit(start, a.offset, view)
            r.offset = start + a.offset
        }
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last record", at: r.offset) }
        return (first, count)
    }

    /// The records of a records-frame payload.
    public static func decodeRecords(_ payload: UnsafeRawBufferPointer) throws(FormatError) -> [LogRecord] {
        var ends: [Int] = []
        return try decodeRecords(payload, rowEnds: &ends)
    }

    /// The records of a records-frame payload, and the payload offset where each row ends.
    public static func decodeRecords(_ payload: UnsafeRawBufferPointer, rowEnds: inout [Int]) throws(FormatError) -> [LogRecord] {
        var r = ByteReader(payload)
        let first = try r.u64("first sequence")
        // Each row takes at least 13 bytes.
        let count = Int(try r.u32("record count"))
        guard count <= r.remaining / 13 + 1 else {
            throw FormatError("record count \(count) cannot fit in \(r.remaining) bytes", at: 8)
        }
        guard count > 0 else { throw FormatError("records frame holds no records", at: 8) }
        guard first > 0, first <= UInt64.max - UInt64(count) else {
            throw FormatError("first sequence \(first) out of range", at: 0)
        }
        var out: [LogRecord] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            out.append(try RowCodec.decode(&r, sequence: first + UInt64(i)))
            rowEnds.append(r.offset)
        }
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last record", at: r.offset) }
        return out
    }
}
