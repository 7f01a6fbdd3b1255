import Glibc

/// What a block holds, computed while encoding it; becomes the block's footer entry.
public struct BlockSummary: Sendable {
    public var recordCount = 0
    public var minTimestamp = Int64.max
    public var maxTimestamp = Int64.min
    public var minSequence = UInt64.max
    public var maxSequence: UInt64 = 0
    public var levelCounts = [Int](repeating: 0, count: LogLevel.count)
    /// Record count per source name, in order of first appearance in the block.
    public var sourceCounts: [(source: String, count: Int)] = []
    /// Correlation hashes of the IDs in the block.
    public var correlationHashes: Set<UInt64> = []
}

/// Encodes sorted rows into the columnar raw block layout (docs/FORMAT.md, 5.2).
///
/// Works directly on row bytes (3.4): strings are copied as bytes, dictionaries compare bytes, and
/// attribute values are copied unchanged (their row and column encodings are the same). Reuses its
/// buffers between blocks; one encoder per thread.
public struct BlockEncoder {
    private let timestamps = ColumnWriter(capacity: 4096)
    private let sequences = ColumnWriter(capacity: 4096)
    private let levels = ColumnWriter(capacity: 1024)
    private let sourceIndex = ColumnWriter(capacity: 1024)
    private let correlationKinds = ColumnWriter(capacity: 1024)
    private let uuids = ColumnWriter(capacity: 16 * 1024)
    private let correlationStrings = ColumnWriter(capacity: 4096)
    private let messageLengths = ColumnWriter(capacity: 2048)
    private let messageBytes = ColumnWriter(capacity: 64 * 1024)
    private let attributeCounts = ColumnWriter(capacity: 1024)
    private let keyIndex = ColumnWriter(capacity: 4096)
    private let valueTypes = ColumnWriter(capacity: 4096)
    private let values = ColumnWriter(capacity: 32 * 1024)
    private let out = ColumnWriter(capacity: 32 * 1024)
    private let outMessages = ColumnWriter(capacity: 64 * 1024)
    private let outAttributes = ColumnWriter(capacity: 64 * 1024)
    private var sources = ByteDictionary()
    private var keys = ByteDictionary()
    private var perSource: [Int] = []
    private var keyByPosition: [Int] = []

    public init() {}

    /// Encodes records (non-empty, sorted by timestamp then sequence). Convenience for tools and
    /// tests: it encodes rows first, then calls ``encode(rows:)``.
    public mutating func encode(_ records: ArraySlice<LogRecord>) -> (raw: [UInt8], summary: BlockSummary) {
        // Rows written from Strings are well-formed; encoding them cannot fail.
        RowBatch.withRows(of: records) { rows in (try? encode(rows: rows)) ?? ([], BlockSummary()) }
    }

    /// Encodes rows (non-empty, sorted by timestamp then sequence) and returns the three sections
    /// concatenated (the version 1 raw layout) and the summary. Throws when a row is malformed.
    public mutating func encode(rows: ArraySlice<RowRef>) throws(FormatError) -> (raw: [UInt8], summary: BlockSummary) {
        let (sections, summary) = try encodeSections(rows: rows)
        return (sections.raw, summary)
    }

    /// Encodes rows (non-empty, sorted by timestamp then sequence) into the core, messages and
    /// attributes sections (5.2) and returns them with the summary. Throws when a row is malformed.
    public mutating func encodeSections(rows: ArraySlice<RowRef>) throws(FormatError) -> (sections: BlockSections, summary: BlockSummary) {
        let summary = try encodeColumns(rows)
        return (BlockSections(core: out.array, messages: outMessages.array, attributes: outAttributes.array, count: rows.count), summary)
    }

    /// Encodes rows (non-empty, sorted) and stores each section compressed (or raw when LZ4 does not
    /// shrink it), straight from the encoder's buffers: what a segment writer needs.
    public mutating func encodeStored(rows: ArraySlice<RowRef>, acceleration: Int32 = 1) throws(FormatError)
        -> (descriptors: [SectionDescriptor], stored: [[UInt8]], summary: BlockSummary) {
        let summary = try encodeColumns(rows)
        var descriptors: [SectionDescriptor] = []
        var stored: [[UInt8]] = []
        for section in [out, outMessages, outAttributes] {
            let (d, bytes) = SectionedBlockHeader.store(section.bytes, acceleration: acceleration)
            descriptors.append(d)
            stored.append(bytes)
        }
        return (descriptors, stored, summary)
    }

    /// Fills the three section buffers from `rows` and returns the block's summary.
    private mutating func encodeColumns(_ rows: ArraySlice<RowRef>) throws(FormatError) -> BlockSummary {
        precondition(!rows.isEmpty, "a block holds at least one record")
        for c in [timestamps, sequences, levels, sourceIndex, correlationKinds, uuids, correlationStrings, messageLengths,
                  messageBytes, attributeCounts, keyIndex, valueTypes, values, out, outMessages, outAttributes] {
            c.reset()
        }
        sources.removeAll(); keys.removeAll(); perSource.removeAll(keepingCapacity: true)
        keyByPosition.removeAll(keepingCapacity: true)

        var summary = BlockSummary()
        var prevTs: Int64 = 0
        var prevSeq: UInt64 = 0
        var first = true
        var lastSource = UnsafeRawBufferPointer(start: nil, count: 0)
        var lastSourceIndex = -1
        var lastHash: UInt64 = 0

        for ref in rows {
            let row = ref.bytes
            let view = try RowView(row)
            if first {
                timestamps.i64(ref.timestamp)
                sequences.u64(ref.sequence)
                first = false
            } else {
                timestamps.zigzag(ref.timestamp &- prevTs)
                sequences.zigzag(Int64(bitPattern: ref.sequence &- prevSeq))
            }
            prevTs = ref.timestamp
            prevSeq = ref.sequence
            summary.minTimestamp = min(summary.minTimestamp, ref.timestamp)
            summary.maxTimestamp = max(summary.maxTimestamp, ref.timestamp)
            summary.minSequence = min(summary.minSequence, ref.sequence)
            summary.maxSequence = max(summary.maxSequence, ref.sequence)
            levels.u8(view.level)
            summary.levelCounts[Int(view.level)] += 1

            let si: Int
            if lastSourceIndex >= 0 && Self.equal(view.source, lastSource) {
                si = lastSourceIndex
            } else {
                si = sources.index(of: view.source)
            }
            if si == perSource.count { perSource.append(0) }
            perSource[si] += 1
            lastSource = view.source
            lastSourceIndex = si
            sourceIndex.varint(si)

            if view.correlation.count > 0 {
                let h = CorrelationHash.hash(view.correlation)
                // The records of one request tend to sit together: skip the set for a repeat.
                if h != lastHash {
                    summary.correlationHashes.insert(h)
                    lastHash = h
                }
                var pair: (UInt64, UInt64) = (0, 0)
                if let kind = CorrelationCodec.parseUUID(view.correlation.assumingMemoryBound(to: UInt8.self), into: &pair) {
                    correlationKinds.u8(kind)
                    // Big-endian, so the bytes follow the hex digits in order.
                    uuids.u64(pair.0.byteSwapped)
                    uuids.u64(pair.1.byteSwapped)
                } else {
                    correlationKinds.u8(CorrelationKind.string)
                    correlationStrings.varint(view.correlation.count)
                    correlationStrings.raw(view.correlation)
                }
            } else {
                correlationKinds.u8(CorrelationKind.none)
            }

            messageLengths.varint(view.message.count)
            messageBytes.raw(view.message)

            attributeCounts.varint(view.attributeCount)
            var r = ByteReader(row, offset: view.attributesOffset)
            for position in 0..<view.attributeCount {
                let key = try r.bytes(try r.count("attribute key length", max: r.remaining), "attribute key")
                let ki: Int
                // Records of one kind repeat their keys in the same order: try the key seen at this position last time.
                if position < keyByPosition.count, keys.withKey(keyByPosition[position], { Self.equal($0, key) }) {
                    ki = keyByPosition[position]
                } else {
                    ki = keys.index(of: key)
                    if position < keyByPosition.count { keyByPosition[position] = ki } else { keyByPosition.append(ki) }
                }
                keyIndex.varint(ki)
                let type = try r.u8("attribute type")
                valueTypes.u8(type)
                let n = try RowView.valueLength(type, in: row, at: r.offset)
                values.raw(try r.bytes(n, "attribute value"))
            }
            guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes after the row's last attribute", at: r.offset) }
        }
        summary.recordCount = rows.count
        summary.sourceCounts = (0..<sources.count).map { (sources.string($0), perSource[$0]) }

        out.varint(rows.count)
        out.append(timestamps)
        out.append(sequences)
        out.append(levels)
        out.varint(sources.count)
        for i in 0..<sources.count { sources.withKey(i) { k in out.varint(k.count); out.raw(k) } }
        out.append(sourceIndex)
        out.append(correlationKinds)
        out.append(uuids)
        out.append(correlationStrings)
        outMessages.append(messageLengths)
        outMessages.append(messageBytes)
        outAttributes.append(attributeCounts)
        outAttributes.varint(keys.count)
        for i in 0..<keys.count { keys.withKey(i) { k in outAttributes.varint(k.count); outAttributes.raw(k) } }
        outAttributes.append(keyIndex)
        outAttributes.append(valueTypes)
        outAttributes.append(values)
        return summary
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}

/// The decoded bytes of a block's three sections (5.2).
public struct BlockSections: Sendable {
    public var core: [UInt8]
    public var messages: [UInt8]
    public var attributes: [UInt8]
    /// Records in the block.
    public var count: Int

    public init(core: [UInt8], messages: [UInt8], attributes: [UInt8], count: Int) {
        self.core = core
        self.messages = messages
        self.attributes = attributes
        self.count = count
    }

    /// The sections concatenated: the raw bytes of the same block in the version 1 layout.
    public var raw: [UInt8] { core + messages + attributes }

    public subscript(_ s: BlockSection) -> [UInt8] {
        switch s {
        case .core: core
        case .messages: messages
        case .attributes: attributes
        }
    }
}

/// A string compared and hashed by its UTF-8 bytes, so that canonically equivalent but different
/// strings ("é" as one scalar or two) keep their own dictionary entries and round-trip exactly.
public struct ExactString: Hashable {
    public let value: String
    @inline(__always) public init(_ value: String) { self.value = value }

    @inline(__always) public static func == (a: ExactString, b: ExactString) -> Bool { exactlyEqual(a.value, b.value) }

    @inline(__always) public func hash(into hasher: inout Hasher) {
        var s = value
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Byte-wise string equality (Swift's `==` treats canonically equivalent strings as equal).
@inline(__always)
public func exactlyEqual(_ a: String, _ b: String) -> Bool {
    var x = a
    var y = b
    return x.withUTF8 { xb in
        y.withUTF8 { yb in
            xb.count == yb.count && (xb.count == 0 || memcmp(xb.baseAddress!, yb.baseAddress!, xb.count) == 0)
        }
    }
}
