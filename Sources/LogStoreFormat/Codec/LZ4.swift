import CLZ4

/// The LZ4 block codec, through the system liblz4.
public enum LZ4 {
    /// The `acceleration` that asks ``compress(_:acceleration:)`` for LZ4 HC at `level` (1–12): a
    /// slower compressor writing the same LZ4 block format, so readers need not know (FORMAT.md 10.1).
    public static func highCompression(level: Int32) -> Int32 { -max(1, min(level, 12)) }

    /// Compresses `input` into a new array; nil when LZ4 could not (input over LZ4's 2 GB limit).
    /// `acceleration` ≥ 1 uses the fast compressor (higher is faster and compresses less); a value
    /// from ``highCompression(level:)`` (negative) uses LZ4 HC at that level.
    public static func compress(_ input: UnsafeRawBufferPointer, acceleration: Int32 = 1) -> [UInt8]? {
        guard input.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        guard bound > 0 else { return nil }
        var written: Int32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: bound) { dst, initialized in
            guard let src = input.baseAddress, let d = dst.baseAddress else {
                initialized = 0
                return
            }
            let source = src.assumingMemoryBound(to: CChar.self)
            let target = UnsafeMutableRawPointer(d).assumingMemoryBound(to: CChar.self)
            written = acceleration < 0
                ? LZ4_compress_HC(source, target, Int32(input.count), Int32(bound), -acceleration)
                : LZ4_compress_fast(source, target, Int32(input.count), Int32(bound), acceleration)
            initialized = max(0, Int(written))
        }
        return written > 0 ? out : nil
    }

    /// Decompresses exactly `rawLength` bytes from `input`; throws when the input is not a valid LZ4
    /// block of that decoded size. Never reads or writes out of bounds (LZ4_decompress_safe).
    public static func decompress(_ input: UnsafeRawBufferPointer, rawLength: Int) throws(FormatError) -> [UInt8] {
        guard rawLength >= 0, rawLength <= Int(Int32.max), input.count <= Int(Int32.max) else {
            throw FormatError("LZ4 block sizes out of range (\(input.count) → \(rawLength))", at: 0)
        }
        if rawLength == 0 {
            guard input.isEmpty else { throw FormatError("LZ4 input of \(input.count) bytes for an empty block", at: 0) }
            return []
        }
        var decoded: Int32 = -1
        let out = [UInt8](unsafeUninitializedCapacity: rawLength) { dst, initialized in
            guard let src = input.baseAddress, let d = dst.baseAddress else {
                initialized = 0
                return
            }
            decoded = LZ4_decompress_safe(
                src.assumingMemoryBound(to: CChar.self),
                UnsafeMutableRawPointer(d).assumingMemoryBound(to: CChar.self),
                Int32(input.count), Int32(rawLength))
            initialized = decoded > 0 ? Int(decoded) : 0
        }
        guard decoded == Int32(rawLength) else {
            throw FormatError(decoded < 0
                ? "LZ4 data is malformed (liblz4 error \(decoded))"
                : "LZ4 block decoded to \(decoded) bytes, expected \(rawLength)", at: 0)
        }
        return out
    }

    /// The liblz4 version string, for diagnostics.
    public static var version: String { String(cString: LZ4_versionString()) }
}
