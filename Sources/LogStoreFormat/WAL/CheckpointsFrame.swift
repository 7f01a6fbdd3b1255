/// The records-with-checkpoints frame (WAL frame type 3, docs/FORMAT.md, 9.1):
/// `records checkpoints checkpoints_length:u32`, where `records` is a type 1 payload whose count may be 0.
extension WALFrame {
    /// Appends the checkpoint list and its length to the frame begun with
    /// ``beginRecordsFrame(type:into:)`` (type 3), after its rows and before ``finishRecordsFrame(at:count:in:)``.
    public static func appendCheckpoints(_ checkpoints: [Checkpoint], into w: inout ByteWriter) {
        let start = w.count
        CheckpointCodec.encode(checkpoints, into: &w)
        w.u32(UInt32(w.count - start))
    }

    /// The parts of a frame that holds records (type 1 or 3): the records payload (type 1 layout) and,
    /// for type 3, its checkpoints. Offsets in errors are relative to the payload.
    public static func recordsAndCheckpoints(type: UInt8, payload: UnsafeRawBufferPointer) throws(FormatError)
        -> (records: UnsafeRawBufferPointer, checkpoints: [Checkpoint]) {
        guard type == WALFormat.checkpointsFrameType else { return (payload, []) }
        guard payload.count >= 12 + 4 else {
            throw FormatError("records-with-checkpoints frame is \(payload.count) bytes, at least 16 are needed", at: 0)
        }
        let lengthAt = payload.count - 4
        let length = Int(payload.loadUnaligned(fromByteOffset: lengthAt, as: UInt32.self).littleEndian)
        guard length >= 1, length <= lengthAt - 12 else {
            throw FormatError("checkpoints length \(length) does not fit in a \(payload.count)-byte frame", at: lengthAt)
        }
        let listAt = lengthAt - length
        let checkpoints = try CheckpointCodec.decode(UnsafeRawBufferPointer(rebasing: payload[listAt..<lengthAt]), base: listAt,
                                                     maxCount: Checkpoint.maxPerAppend, allowEmpty: false)
        return (UnsafeRawBufferPointer(rebasing: payload[..<listAt]), checkpoints)
    }

    /// The record count of a records payload (type 1 layout), for telling a type 3 frame without
    /// records (count 0) from one to scan.
    public static func recordCount(_ records: UnsafeRawBufferPointer) throws(FormatError) -> Int {
        var r = ByteReader(records, offset: 8)
        return Int(try r.u32("record count"))
    }
}
