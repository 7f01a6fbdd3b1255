import LogStore
import LogStoreFormat

/// The rows of one OTLP request as they are written, in the engine's row encoding (docs/FORMAT.md,
/// 3.4), before they are handed over as `EncodedRows` in one copy.
///
/// The same encoding as `ByteWriter`, but its appends are compiled into this module, so writing a row
/// is inlined code instead of a call into another module per byte, integer and string (what the
/// profile of `POST /v1/logs` showed: `ByteWriter.u8` and its uniqueness check per hex digit).
struct OTLPRowBytes {
    private(set) var bytes: [UInt8] = []
    /// End offset of each row in `bytes`.
    private(set) var ends: [Int] = []
    /// The idempotency keys of rows that carry one (docs/SERVER.md, `logstore.idempotency_key`).
    private(set) var keys: [(row: Int, key: IdempotencyKey)] = []

    /// - Parameter capacity: the bytes to reserve (the request body's size is a good guess: a row is
    ///   about as long as the record's protobuf).
    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    /// Marks the bytes written since the previous row as one row.
    @inline(__always)
    mutating func endRow() { ends.append(bytes.count) }

    /// Gives the row just ended an idempotency key.
    mutating func keyLastRow(_ key: IdempotencyKey) { keys.append((ends.count - 1, key)) }

    /// Empties the buffer, keeping its capacity.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
    }

    /// Appends the rows to `rows`, as `EncodedRows` holds them.
    func move(into rows: inout EncodedRows) {
        let base = rows.bytes.count, firstRow = rows.ends.count
        bytes.withUnsafeBytes { rows.bytes.raw($0) }
        rows.ends.reserveCapacity(rows.ends.count + ends.count)
        for end in ends { rows.ends.append(base + end) }
        for (row, key) in keys { rows.keys.append((firstRow + row, key)) }
    }

    @inline(__always)
    mutating func u8(_ v: UInt8) { bytes.append(v) }

    @inline(__always)
    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    /// Unsigned LEB128 of a count or length (never negative).
    @inline(__always)
    mutating func varint(_ value: Int) { varint(UInt64(truncatingIfNeeded: value)) }

    /// Unsigned LEB128.
    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zigzag-encoded signed LEB128.
    @inline(__always)
    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A varint length followed by the bytes.
    @inline(__always)
    mutating func string(_ utf8: UnsafeRawBufferPointer) {
        varint(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    /// A varint length followed by the UTF-8 bytes of `s`.
    @inline(__always)
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(UnsafeRawBufferPointer($0)) }
    }

    /// Bytes already encoded (shared attributes).
    @inline(__always)
    mutating func raw(_ buffer: UnsafeRawBufferPointer) { bytes.append(contentsOf: buffer) }

    /// The string encoding of the lowercase hex of `id`.
    @inline(__always)
    mutating func hex(_ id: UnsafeRawBufferPointer) {
        let digits = id.count * 2
        varint(digits)
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: digits))
        bytes.withUnsafeMutableBufferPointer { out in
            var k = start
            for b in id {
                out[k] = Self.hexDigit(b >> 4)
                out[k + 1] = Self.hexDigit(b & 0xF)
                k += 2
            }
        }
    }

    /// The string encoding of hex digits as written, lowercased.
    @inline(__always)
    mutating func lowercased(_ digits: UnsafeRawBufferPointer) {
        varint(digits.count)
        for c in digits { bytes.append(c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F") ? c + 32 : c) }
    }

    @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}
