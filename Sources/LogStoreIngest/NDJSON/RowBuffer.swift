/// A growable byte buffer over manually allocated memory, for the per-field writes of ``RowSink``:
/// each write checks capacity with one comparison, without the uniqueness checks of `Array`.
///
/// The buffer does not own its memory in the Swift sense: copies share it, and whoever created the
/// buffer calls ``deallocate()`` exactly once when done (``RowSink`` is used within one call).
struct RowBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    /// The bytes written so far; valid until the next write.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    mutating func removeAll() { count = 0 }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(extra) }
    }

    private mutating func grow(_ extra: Int) {
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count &+= 1
    }

    /// Unsigned LEB128, as `ByteWriter.varint`.
    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        reserve(10)
        var v = value
        while v >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count &+= 1
            v >>= 7
        }
        base[count] = UInt8(truncatingIfNeeded: v)
        count &+= 1
    }

    /// Eight bytes, little-endian, as `ByteWriter.u64`.
    @inline(__always)
    mutating func appendLittleEndian(_ value: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.littleEndian, as: UInt64.self)
        count &+= 8
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count &+= bytes.count
    }

    /// A varint length followed by the bytes (a `string` of docs/FORMAT.md).
    @inline(__always)
    mutating func appendString(_ bytes: UnsafeBufferPointer<UInt8>) {
        appendVarint(UInt64(bytes.count))
        append(bytes)
    }

    /// Moves the bytes from offset `from` to the end so that they start at offset `to` (≤ `from`),
    /// shifting the bytes `to..<from` after them.
    mutating func rotateTail(from: Int, to: Int) {
        guard to < from, from < count else { return }
        let tail = count - from
        let saved = UnsafeMutablePointer<UInt8>.allocate(capacity: tail)
        defer { saved.deallocate() }
        saved.update(from: base + from, count: tail)
        (base + to + tail).update(from: base + to, count: from - to)   // overlapping: memmove semantics
        (base + to).update(from: saved, count: tail)
    }
}
