/// The 64-bit hash that keys the correlation-ID index (docs/FORMAT.md, "Correlation hash").
///
/// FNV-1a 64 over the UTF-8 bytes, then the MurmurHash3 fmix64 finalizer. It is part of the file
/// format: changing it changes every segment footer.
public enum CorrelationHash {
    @inline(__always)
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in buffer {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    @inline(__always)
    public static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}
