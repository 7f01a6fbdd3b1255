/// The sequence numbers held by a run of encoded records frames (docs/FORMAT.md, 4.2), read from the
/// frame headers: first sequence of the first frame, last sequence of the last one. Keys frames and
/// frames without records (a checkpoint-only type 3 frame) are skipped.
///
/// Used on frames this process built and sealed; still bounds-checked, never trapping on odd bytes.
import LogStoreFormat

func frameSequenceRange(_ bytes: UnsafeRawBufferPointer) -> ClosedRange<UInt64>? {
    let h = WALFormat.frameHeaderSize
    var offset = 0
    var first: UInt64?
    var last: UInt64 = 0
    while offset + h + 12 <= bytes.count {
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard WALFormat.holdsRecords(bytes[offset + 8]) else { offset += h + length; continue }
        let start = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + h, as: UInt64.self))
        let count = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + h + 8, as: UInt32.self))
        if count > 0 {
            if first == nil { first = start }
            last = max(last, start &+ UInt64(count) &- 1)
        }
        offset += h + length
    }
    guard let first, last >= first else { return nil }
    return first...last
}
