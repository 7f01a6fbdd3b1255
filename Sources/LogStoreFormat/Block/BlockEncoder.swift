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

/// Encodes sorted records into the columnar raw block layout (docs/FORMAT.md, 5.2).
///
/// Reuses its column buffers between blocks; not thread-safe, one per writer.
public struct BlockEncoder {
    private var timestamps = ByteWriter(capacity: 4096)
    private var sequences = ByteWriter(capacity: 4096)
    private var levels = ByteWriter(capacity: 1024)
    private var sourceIndex = ByteWriter(capacity: 1024)
    private var correlationKinds = ByteWriter(capacity: 1024)
    private var uuids = ByteWriter(capacity: 16 * 1024)
    private var correlationStrings = ByteWriter(capacity: 4096)
    private var messageLengths = ByteWriter(capacity: 2048)
    private var messageBytes = ByteWriter(capacity: 64 * 1024)
    private var attributeCounts = ByteWriter(capacity: 1024)
    private var keyIndex = ByteWriter(capacity: 4096)
    private var valueTypes = ByteWriter(capacity: 4096)
    private var values = ByteWriter(capacity: 32 * 1024)
    private var out = ByteWriter(capacity: 128 * 1024)

    public init() {}

    /// Encodes `records` (non-empty, sorted by timestamp then sequence) and returns the raw bytes
    /// and the summary.
    public mutating func encode(_ records: ArraySlice<LogRecord>) -> (raw: [UInt8], summary: BlockSummary) {
        precondition(!records.isEmpty, "a block holds at least one record")
        timestamps.removeAll(); sequences.removeAll(); levels.removeAll(); sourceIndex.removeAll()
        correlationKinds.removeAll(); uuids.removeAll(); correlationStrings.removeAll()
        messageLengths.removeAll(); messageBytes.removeAll(); attributeCounts.removeAll()
        keyIndex.removeAll(); valueTypes.removeAll(); values.removeAll(); out.removeAll()

        var summary = BlockSummary()
        var sourceDict: [ExactString: Int] = [:]
        var sourceNames: [String] = []
        var perSource: [Int] = []
        var keyDict: [ExactString: Int] = [:]
        var keyNames: [String] = []
        var lastSource = ""
        var lastSourceIndex = -1
        var prevTs: Int64 = 0
        var prevSeq: UInt64 = 0
        var first = true

        for r in records {
            if first {
                timestamps.i64(r.timestamp)
                sequences.u64(r.sequence)
                first = false
            } else {
                timestamps.zigzag(r.timestamp &- prevTs)
                sequences.zigzag(Int64(bitPattern: r.sequence &- prevSeq))
            }
            prevTs = r.timestamp
            prevSeq = r.sequence
            summary.minTimestamp = min(summary.minTimestamp, r.timestamp)
            summary.maxTimestamp = max(summary.maxTimestamp, r.timestamp)
            summary.minSequence = min(summary.minSequence, r.sequence)
            summary.maxSequence = max(summary.maxSequence, r.sequence)
            levels.u8(r.level.rawValue)
            summary.levelCounts[Int(r.level.rawValue)] += 1

            let si: Int
            if lastSourceIndex >= 0 && r.source.utf8.elementsEqual(lastSource.utf8) {
                si = lastSourceIndex
            } else if let known = sourceDict[ExactString(r.source)] {
                si = known
            } else {
                si = sourceNames.count
                sourceDict[ExactString(r.source)] = si
                sourceNames.append(r.source)
            }
            if si == perSource.count { perSource.append(0) }
            perSource[si] += 1
            lastSource = r.source
            lastSourceIndex = si
            sourceIndex.varint(si)

            if var id = r.correlationID, !id.isEmpty {
                id.withUTF8 { utf8 in
                    summary.correlationHashes.insert(CorrelationHash.hash(UnsafeRawBufferPointer(utf8)))
                    var pair: (UInt64, UInt64) = (0, 0)
                    if let kind = CorrelationCodec.parseUUID(utf8, into: &pair) {
                        correlationKinds.u8(kind)
                        // Big-endian, so the bytes follow the hex digits in order.
                        uuids.u64(pair.0.byteSwapped)
                        uuids.u64(pair.1.byteSwapped)
                    } else {
                        correlationKinds.u8(CorrelationKind.string)
                        correlationStrings.varint(utf8.count)
                        correlationStrings.raw(UnsafeRawBufferPointer(utf8))
                    }
                }
            } else {
                correlationKinds.u8(CorrelationKind.none)
            }

            var message = r.message
            message.withUTF8 { utf8 in
                messageLengths.varint(utf8.count)
                messageBytes.raw(UnsafeRawBufferPointer(utf8))
            }

            attributeCounts.varint(r.attributes.count)
            for a in r.attributes {
                let ki: Int
                if let known = keyDict[ExactString(a.key)] {
                    ki = known
                } else {
                    ki = keyNames.count
                    keyDict[ExactString(a.key)] = ki
                    keyNames.append(a.key)
                }
                keyIndex.varint(ki)
                switch a.value {
                case .string(let s):
                    valueTypes.u8(AttributeType.string)
                    values.string(s)
                case .int(let i):
                    valueTypes.u8(AttributeType.int)
                    values.zigzag(i)
                case .double(let d):
                    valueTypes.u8(AttributeType.double)
                    values.u64(d.bitPattern)
                case .bool(let b):
                    valueTypes.u8(AttributeType.bool)
                    values.u8(b ? 1 : 0)
                }
            }
        }
        summary.recordCount = records.count
        summary.sourceCounts = zip(sourceNames, perSource).map { ($0, $1) }

        out.varint(records.count)
        out.raw(timestamps.bytes)
        out.raw(sequences.bytes)
        out.raw(levels.bytes)
        out.varint(sourceNames.count)
        for s in sourceNames { out.string(s) }
        out.raw(sourceIndex.bytes)
        out.raw(correlationKinds.bytes)
        out.raw(uuids.bytes)
        out.raw(correlationStrings.bytes)
        out.raw(messageLengths.bytes)
        out.raw(messageBytes.bytes)
        out.raw(attributeCounts.bytes)
        out.varint(keyNames.count)
        for k in keyNames { out.string(k) }
        out.raw(keyIndex.bytes)
        out.raw(valueTypes.bytes)
        out.raw(values.bytes)
        return (out.bytes, summary)
    }
}

/// A string compared and hashed by its UTF-8 bytes, so that canonically equivalent but different
/// strings ("é" as one scalar or two) keep their own dictionary entries and round-trip exactly.
public struct ExactString: Hashable {
    public let value: String
    @inline(__always) public init(_ value: String) { self.value = value }
    @inline(__always) public static func == (a: ExactString, b: ExactString) -> Bool { a.value.utf8.elementsEqual(b.value.utf8) }
    @inline(__always) public func hash(into hasher: inout Hasher) {
        var s = value
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
