/// A growable byte buffer for the block encoder's columns. An append is a capacity check and a
/// store: no copy-on-write uniqueness check per byte as with `[UInt8]`. Owned by one encoder, used
/// from one thread.
final class ColumnWriter {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    @inline(__always) func reset() { count = 0 }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    var array: [UInt8] { Array(bytes) }

    @inline(__always)
    func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    @inline(never)
    private func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        bigger.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = bigger
        capacity = c
    }

    @inline(__always)
    func u8(_ v: UInt8) {
        reserve(1)
        base.storeBytes(of: v, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func u64(_ v: UInt64) {
        reserve(8)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    @inline(__always)
    func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    /// Unsigned LEB128.
    @inline(__always)
    func varint(_ value: UInt64) {
        reserve(10)
        var v = value
        var n = count
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: n, as: UInt8.self)
            n += 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(v), toByteOffset: n, as: UInt8.self)
        count = n + 1
    }

    @inline(__always)
    func varint(_ value: Int) { varint(UInt64(value)) }

    /// Zigzag-encoded signed LEB128.
    @inline(__always)
    func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    @inline(__always)
    func raw(_ b: UnsafeRawBufferPointer) {
        guard let src = b.baseAddress, b.count > 0 else { return }
        reserve(b.count)
        (base + count).copyMemory(from: src, byteCount: b.count)
        count += b.count
    }

    @inline(__always)
    func append(_ other: ColumnWriter) { raw(other.bytes) }
}
