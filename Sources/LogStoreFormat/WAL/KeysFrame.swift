/// The keys frame (WAL frame type 2, docs/FORMAT.md, 8.1): the idempotency keys of the records frames
/// of one append.
///
/// `keys := first_sequence:u64 accepted_at:i64 count:u32 (delta:varint key:string)*count`
extension WALFrame {
    /// One entry of a keys frame: the record's sequence and its key bytes.
    public struct KeyEntry {
        public var sequence: UInt64
        public var key: UnsafeRawBufferPointer
    }

    /// Starts a keys frame whose first sequence is filled in later by
    /// ``sealRecordsFrame(at:firstSequence:in:)`` (the first sequence sits where a records frame
    /// has it). Returns the frame's start offset.
    public static func beginKeysFrame(acceptedAt: Int64, into w: inout ByteWriter) -> Int {
        let start = w.count
        w.u32(0)  // payload length
        w.u32(0)  // checksum
        w.u8(WALFormat.keysFrameType)
        w.u64(0)  // first sequence
        w.i64(acceptedAt)
        w.u32(0)  // count
        return start
    }

    /// Adds the key of the record `delta` places after the frame's first sequence.
    public static func appendKeyEntry(delta: Int, key: [UInt8], into w: inout ByteWriter) {
        w.varint(delta)
        w.varint(key.count)
        w.raw(key)
    }

    /// Fills in the length and entry count of the keys frame begun at `start`.
    public static func finishKeysFrame(at start: Int, count: Int, in w: inout ByteWriter) {
        w.patchU32(UInt32(w.count - start - WALFormat.frameHeaderSize), at: start)
        w.patchU32(UInt32(count), at: start + WALFormat.frameHeaderSize + 16)
    }

    /// Decodes a keys-frame payload: its acceptance time and entries (deltas strictly increasing,
    /// keys 1…255 bytes, nothing left over).
    public static func decodeKeys(_ payload: UnsafeRawBufferPointer) throws(FormatError) -> (acceptedAt: Int64, entries: [KeyEntry]) {
        var r = ByteReader(payload)
        let first = try r.u64("first sequence")
        let acceptedAt = try r.i64("accepted_at")
        let count = Int(try r.u32("key count"))
        guard count > 0, count <= r.remaining / 2 else {
            throw FormatError("key count \(count) cannot fit in \(r.remaining) bytes", at: 16)
        }
        var entries: [KeyEntry] = []
        entries.reserveCapacity(count)
        var previous: UInt64?
        for _ in 0..<count {
            let at = r.offset
            let delta = try r.varint("key delta")
            if let previous, delta <= previous { throw FormatError("key delta \(delta) does not follow \(previous)", at: at) }
            guard delta <= UInt64.max - first else { throw FormatError("key delta \(delta) out of range", at: at) }
            previous = delta
            let n = try r.count("key length", max: IdempotencyKey.maxBytes)
            guard n > 0 else { throw FormatError("empty idempotency key", at: r.offset) }
            entries.append(KeyEntry(sequence: first + delta, key: try r.bytes(n, "key")))
        }
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last key", at: r.offset) }
        return (acceptedAt, entries)
    }
}
