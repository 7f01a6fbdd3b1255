/// An append-only little-endian byte buffer used by every encoder.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// A writer that appends into `storage` after emptying it, reusing its capacity.
    public init(reusing storage: [UInt8]) {
        bytes = storage
        bytes.removeAll(keepingCapacity: true)
    }

    public var count: Int { bytes.count }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Drops every byte after the first `count`.
    public mutating func truncate(to count: Int) {
        bytes.removeSubrange(count...)
    }

    @inline(__always)
    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inline(__always)
    public mutating func u16(_ v: UInt16) { fixed(v) }

    @inline(__always)
    public mutating func u32(_ v: UInt32) { fixed(v) }

    @inline(__always)
    public mutating func u64(_ v: UInt64) { fixed(v) }

    @inline(__always)
    public mutating func i64(_ v: Int64) { fixed(UInt64(bitPattern: v)) }

    @inline(__always)
    mutating func fixed<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Unsigned LEB128.
    @inline(__always)
    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always)
    public mutating func varint(_ value: Int) { varint(UInt64(value)) }

    /// Zigzag-encoded signed LEB128.
    @inline(__always)
    public mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func raw(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    public mutating func raw(_ buffer: UnsafeRawBufferPointer) { bytes.append(contentsOf: buffer) }

    /// A varint length followed by the UTF-8 bytes of `s`.
    @inline(__always)
    public mutating func string(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { utf8 in
            varint(utf8.count)
            bytes.append(contentsOf: utf8)
        }
        if done == nil {
            var copy = s
            copy.withUTF8 { utf8 in
                varint(utf8.count)
                bytes.append(contentsOf: utf8)
            }
        }
    }

    /// Overwrites four bytes at `offset` with `v` (little-endian).
    public mutating func patchU32(_ v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<4 { bytes[offset + i] = src[i] }
        }
    }

    /// Overwrites eight bytes at `offset` with `v` (little-endian).
    public mutating func patchU64(_ v: UInt64, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<8 { bytes[offset + i] = src[i] }
        }
    }

    /// Runs `body` over the bytes written so far.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { bytes.withUnsafeBytes(body) }

    /// Takes the bytes out, leaving the writer empty.
    public mutating func take() -> [UInt8] {
        let out = bytes
        bytes = []
        return out
    }
}
