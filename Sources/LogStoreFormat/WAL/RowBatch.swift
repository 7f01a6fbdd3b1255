/// Encoded rows kept in memory: the bytes of one append's WAL frames, or of one replayed WAL file.
///
/// The bytes never move and are freed with the batch, so ``RowRef`` pointers into them stay valid
/// for as long as the batch is referenced.
public final class RowBatch: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer

    /// Copies `source` into a new batch.
    public convenience init(copying source: UnsafeRawBufferPointer) {
        self.init(owning: Self.copy(source), count: source.count)
    }

    /// Copies `source` into a new batch. The copy is made while the array's storage is pinned
    /// (a pointer escaping `withUnsafeBytes` may point at freed memory in an optimized build: that
    /// lost the last WAL frame a follower read, docs/BENCHMARKS.md).
    public convenience init(copying source: [UInt8]) {
        self.init(owning: source.withUnsafeBytes { Self.copy($0) }, count: source.count)
    }

    /// A new batch of up to `capacity` bytes filled in place by `fill`, which returns how many bytes it
    /// wrote (fewer when a file ends early). Saves the copy of ``init(copying:)-([UInt8])`` when the
    /// bytes come straight from a read.
    public convenience init<E: Error>(capacity: Int, fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, capacity), alignment: 16)
        let filled: Int
        do throws(E) {
            filled = try fill(UnsafeMutableRawBufferPointer(rebasing: storage[0..<max(0, capacity)]))
        } catch {
            storage.deallocate()
            throw error
        }
        self.init(owning: storage, count: min(max(0, filled), max(0, capacity)))
    }

    private init(owning storage: UnsafeMutableRawBufferPointer, count: Int) {
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<count])
    }

    /// A new allocation (at least 1 byte, 16-byte aligned) holding a copy of `source`.
    private static func copy(_ source: UnsafeRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, source.count), alignment: 16)
        if let base = source.baseAddress, let target = storage.baseAddress, source.count > 0 {
            target.copyMemory(from: base, byteCount: source.count)
        }
        return storage
    }

    deinit { UnsafeMutableRawBufferPointer(mutating: bytes).deallocate() }

    /// Mutable access, for filling in sequences and checksums before the batch is shared.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        body(UnsafeMutableRawBufferPointer(mutating: bytes))
    }
}

/// A reference to one encoded row (docs/FORMAT.md, 3.4) with the fields queries and flushes sort
/// and filter on. Valid only while the ``RowBatch`` holding the row is alive.
public struct RowRef: @unchecked Sendable {
    public var timestamp: Int64
    public var sequence: UInt64
    public var row: UnsafeRawPointer
    public var length: Int32
    public var level: UInt8

    public init(timestamp: Int64, sequence: UInt64, row: UnsafeRawPointer, length: Int32, level: UInt8) {
        self.timestamp = timestamp
        self.sequence = sequence
        self.row = row
        self.length = length
        self.level = level
    }

    /// The row's bytes.
    @inline(__always)
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: row, count: Int(length)) }

    /// Decodes the full record.
    public func record() throws(FormatError) -> LogRecord {
        var r = ByteReader(bytes)
        return try RowCodec.decode(&r, sequence: sequence)
    }

    /// Sort order of the store: timestamp, then sequence.
    @inline(__always)
    public static func ordered(_ a: RowRef, _ b: RowRef) -> Bool {
        a.timestamp < b.timestamp || (a.timestamp == b.timestamp && a.sequence < b.sequence)
    }
}

/// The byte ranges of one row's fields, found without allocating.
public struct RowView {
    public var timestamp: Int64
    public var level: UInt8
    public var source: UnsafeRawBufferPointer
    /// Empty when the record has no correlation ID.
    public var correlation: UnsafeRawBufferPointer
    /// The row's correlation flag byte (0 or 1).
    public var correlationFlag: UInt8
    public var message: UnsafeRawBufferPointer
    public var attributeCount: Int
    /// Offset of the first attribute in the row.
    public var attributesOffset: Int

    /// Splits the row in `buffer` (exactly one row). Checks structure, not UTF-8.
    @inline(__always)
    public init(_ buffer: UnsafeRawBufferPointer) throws(FormatError) {
        var r = ByteReader(buffer)
        timestamp = try r.i64("timestamp")
        level = try r.u8("level")
        guard Int(level) < LogLevel.count else { throw FormatError("unknown level byte \(level)", at: 8) }
        source = try r.bytes(try r.count("source length", max: r.remaining), "source")
        let flag = try r.u8("correlation flag")
        correlationFlag = flag
        if flag == 1 {
            correlation = try r.bytes(try r.count("correlation ID length", max: RecordLimits.maxCorrelationIDBytes), "correlation ID")
        } else {
            guard flag == 0 else { throw FormatError("correlation flag is \(flag), expected 0 or 1", at: r.offset - 1) }
            correlation = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        message = try r.bytes(try r.count("message length", max: r.remaining), "message")
        attributeCount = try r.count("attribute count", max: r.remaining / 3)
        attributesOffset = r.offset
    }

    /// Length of one attribute value of `type` starting at `offset` in `buffer`.
    @inline(__always)
    public static func valueLength(_ type: UInt8, in buffer: UnsafeRawBufferPointer, at offset: Int) throws(FormatError) -> Int {
        var r = ByteReader(buffer, offset: offset)
        switch type {
        case AttributeType.string:
            let n = try r.count("attribute string length", max: r.remaining)
            _ = try r.bytes(n, "attribute string")
        case AttributeType.int: _ = try r.varint("integer attribute")
        case AttributeType.double: _ = try r.bytes(8, "double attribute")
        case AttributeType.bool:
            let b = try r.u8("bool attribute")
            guard b <= 1 else { throw FormatError("bool attribute is \(b)", at: offset) }
        default: throw FormatError("unknown attribute type \(type)", at: offset - 1)
        }
        return r.offset - offset
    }
}

extension RowView {
    /// Walks the attributes of a row split by `view`, checking that they end exactly at the row's end.
    public static func checkAttributes(_ row: UnsafeRawBufferPointer, from view: RowView) throws(FormatError) {
        var r = ByteReader(row, offset: view.attributesOffset)
        for _ in 0..<view.attributeCount {
            _ = try r.bytes(try r.count("attribute key length", max: r.remaining), "attribute key")
            let type = try r.u8("attribute type")
            _ = try r.bytes(try valueLength(type, in: row, at: r.offset), "attribute value")
        }
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes after the row's last attribute", at: r.offset) }
        if view.correlationFlag == 1 && view.correlation.isEmpty {
            throw FormatError("empty correlation ID (an empty ID is stored as no ID)", at: 0)
        }
    }
}

extension RowBatch {
    /// Encodes `records` as rows (3.4) into a temporary batch and calls `body` with references to
    /// them, in order; the batch lives until `body` returns. For encoders fed with `LogRecord`s.
    public static func withRows<R, E: Error>(of records: ArraySlice<LogRecord>,
                                             _ body: (ArraySlice<RowRef>) throws(E) -> R) throws(E) -> R {
        var w = ByteWriter(capacity: records.count * 128)
        var ends: [Int] = []
        ends.reserveCapacity(records.count)
        for r in records {
            RowCodec.encode(r, into: &w)
            ends.append(w.count)
        }
        let batch = RowBatch(copying: w.bytes)
        var refs: [RowRef] = []
        refs.reserveCapacity(records.count)
        if let base = batch.bytes.baseAddress {
            var start = 0
            for (r, end) in zip(records, ends) {
                refs.append(RowRef(timestamp: r.timestamp, sequence: r.sequence, row: base + start,
                                   length: Int32(end - start), level: r.level.rawValue))
                start = end
            }
        }
        return try withExtendedLifetime(batch) { () throws(E) -> R in try body(refs[...]) }
    }
}
