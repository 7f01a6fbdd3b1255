import Glibc

/// A dictionary from byte strings to dense indexes (0, 1, 2, … in order of first insertion),
/// compared byte for byte. Used for block-local source and key dictionaries without allocating a
/// String per lookup.
struct ByteDictionary {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var starts: [Int] = []
    private var storage: [UInt8] = []
    private var mask: Int

    init(capacity: Int = 64) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [Int32](repeating: -1, count: n)
        mask = n - 1
    }

    var count: Int { starts.count }

    mutating func removeAll() {
        for i in slots.indices { slots[i] = -1 }
        hashes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        storage.removeAll(keepingCapacity: true)
    }

    /// The index of `key`, inserting it when new.
    @inline(__always)
    mutating func index(of key: UnsafeRawBufferPointer) -> Int {
        let h = CorrelationHash.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = Int(slots[slot])
            if s < 0 { break }
            if hashes[s] == h && equal(s, key) { return s }
            slot = (slot + 1) & mask
        }
        let index = starts.count
        slots[slot] = Int32(index)
        hashes.append(h)
        starts.append(storage.count)
        storage.append(contentsOf: key)
        if starts.count * 2 > slots.count { grow() }
        return index
    }

    @inline(__always)
    private func equal(_ i: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = starts[i]
        let end = i + 1 < starts.count ? starts[i + 1] : storage.count
        guard end - start == key.count else { return false }
        if key.count == 0 { return true }
        return storage.withUnsafeBytes { memcmp($0.baseAddress! + start, key.baseAddress!, key.count) == 0 }
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = [Int32](repeating: -1, count: n)
        mask = n - 1
        for (i, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }

    /// The bytes of entry `i`.
    func withKey<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = starts[i]
        let end = i + 1 < starts.count ? starts[i + 1] : storage.count
        return storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Entry `i` as a string (rows are validated UTF-8 when written).
    func string(_ i: Int) -> String { withKey(i) { String(decoding: $0, as: UTF8.self) } }
}
