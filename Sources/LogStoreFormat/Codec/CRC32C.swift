import CCRC32C

/// CRC32C (Castagnoli), the checksum of every WAL frame, block, header and footer.
public enum CRC32C {
    /// The checksum of `buffer`, optionally continuing from a previous `crc`.
    @inline(__always)
    public static func checksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return crc }
        return logstore_crc32c_update(crc, base, buffer.count)
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// The checksum of `bytes[range]`.
    public static func checksum(_ bytes: [UInt8], range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}
