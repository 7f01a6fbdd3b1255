/// The checkpoint list shared by WAL frame type 3 and the `CHECKPOINTS` body (docs/FORMAT.md, 9.1
/// and 9.2): `n:varint (name:string value:bytes)*n`.
enum CheckpointCodec {
    static func encode(_ checkpoints: [Checkpoint], into w: inout ByteWriter) {
        w.varint(checkpoints.count)
        for c in checkpoints {
            w.string(c.name)
            w.varint(c.value.count)
            w.raw(c.value)
        }
    }

    /// Decodes a list from `buffer` (offsets in errors are `base` plus the offset in `buffer`): names
    /// valid UTF-8, distinct, within the limits; nothing left over. At least one entry unless
    /// `allowEmpty`.
    static func decode(_ buffer: UnsafeRawBufferPointer, base: Int, maxCount: Int, allowEmpty: Bool) throws(FormatError) -> [Checkpoint] {
        var r = ByteReader(buffer)
        do throws(FormatError) {
            let n = try r.count("checkpoint count", max: min(maxCount, r.remaining / 2))
            guard n > 0 || allowEmpty else { throw FormatError("checkpoint list is empty", at: 0) }
            var out: [Checkpoint] = []
            out.reserveCapacity(n)
            var names: Set<String> = []
            for _ in 0..<n {
                let at = r.offset
                let nameLength = try r.count("checkpoint name length", max: Checkpoint.maxNameBytes)
                guard nameLength > 0 else { throw FormatError("empty checkpoint name", at: at) }
                let name = try ByteReader.decodeUTF8(try r.bytes(nameLength, "checkpoint name"), "checkpoint name", at: at)
                guard names.insert(name).inserted else { throw FormatError("checkpoint \"\(name)\" is named twice", at: at) }
                let valueLength = try r.count("checkpoint value length", max: Checkpoint.maxValueBytes)
                out.append(Checkpoint(name: name, value: Array(try r.bytes(valueLength, "checkpoint value"))))
            }
            guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last checkpoint", at: r.offset) }
            return out
        } catch {
            throw error.shifted(by: base)
        }
    }
}
