import Glibc
/// A bounds-checked little-endian cursor over borrowed bytes.
///
/// Every read either succeeds or throws a ``FormatError`` naming the offset; no read can go past the
/// end of the buffer. The buffer must outlive the reader.
public struct ByteReader {
    public let buffer: UnsafeRawBufferPointer
    public var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var remaining: Int { buffer.count - offset }
    public var isAtEnd: Bool { offset >= buffer.count }

    @inline(__always)
    func need(_ n: Int, _ what: StaticString) throws(FormatError) {
        if n < 0 || n > buffer.count - offset {
            throw FormatError("truncated \(what): need \(n) bytes, \(max(0, buffer.count - offset)) left", at: offset)
        }
    }

    @inline(__always)
    public mutating func u8(_ what: StaticString = "byte") throws(FormatError) -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return buffer[offset]
    }

    @inline(__always)
    public mutating func u16(_ what: StaticString = "u16") throws(FormatError) -> UInt16 { try fixed(what) }
    @inline(__always)
    public mutating func u32(_ what: StaticString = "u32") throws(FormatError) -> UInt32 { try fixed(what) }
    @inline(__always)
    public mutating func u64(_ what: StaticString = "u64") throws(FormatError) -> UInt64 { try fixed(what) }
    @inline(__always)
    public mutating func i64(_ what: StaticString = "i64") throws(FormatError) -> Int64 {
        Int64(bitPattern: try fixed(what) as UInt64)
    }

    @inline(__always)
    mutating func fixed<T: FixedWidthInteger>(_ what: StaticString) throws(FormatError) -> T {
        try need(MemoryLayout<T>.size, what)
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Unsigned LEB128, at most 10 bytes.
    @inline(__always)
    public mutating func varint(_ what: StaticString = "varint") throws(FormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard offset < buffer.count else { throw FormatError("truncated \(what)", at: start) }
            let b = buffer[offset]
            offset += 1
            if shift == 63 && b > 1 { throw FormatError("\(what) overflows 64 bits", at: start) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// A varint that must fit in `0...limit`; used for counts and lengths so no decoder allocates
    /// more than the input can justify.
    @inline(__always)
    public mutating func count(_ what: StaticString, max limit: Int) throws(FormatError) -> Int {
        let start = offset
        let v = try varint(what)
        guard v <= UInt64(limit) else { throw FormatError("\(what) \(v) exceeds the limit \(limit)", at: start) }
        return Int(v)
    }

    @inline(__always)
    public mutating func zigzag(_ what: StaticString = "zigzag varint") throws(FormatError) -> Int64 {
        let v = try varint(what)
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    /// `n` bytes as a slice of the underlying buffer.
    @inline(__always)
    public mutating func bytes(_ n: Int, _ what: StaticString = "bytes") throws(FormatError) -> UnsafeRawBufferPointer {
        try need(n, what)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + n)])
    }

    /// A varint length then that many bytes, validated as UTF-8.
    @inline(__always)
    public mutating func string(_ what: StaticString = "string") throws(FormatError) -> String {
        let start = offset
        let n = try count(what, max: remaining)
        let raw = try bytes(n, what)
        return try Self.decodeUTF8(raw, what, at: start)
    }

    /// The bytes as a String, or an error when they are not valid UTF-8.
    ///
    /// `String(validating:as:)` is generic and unspecialized here (a metadata lookup per call), so this
    /// decodes with the repairing initializer, which is specialized for byte buffers, and accepts the
    /// result only when no byte was replaced: a repaired string never equals its input byte for byte.
    @inline(__always)
    public static func decodeUTF8(_ raw: UnsafeRawBufferPointer, _ what: StaticString, at offset: Int) throws(FormatError) -> String {
        var s = String(decoding: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        let intact = s.withUTF8 { u in
            u.count == raw.count && (u.count == 0 || memcmp(u.baseAddress!, raw.baseAddress!, u.count) == 0)
        }
        guard intact else { throw FormatError("\(what) is not valid UTF-8", at: offset) }
        return s
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` that keeps the body's typed ``FormatError``.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(FormatError) -> R) throws(FormatError) -> R {
        let result: Result<R, FormatError> = withUnsafeBytes { buf in Result { () throws(FormatError) -> R in try body(buf) } }
        return try result.get()
    }
}
