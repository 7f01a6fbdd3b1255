/// A decoded block: its columns, ready for filtering, with records materialized on demand.
///
/// Decoding validates the structure (counts, dictionary indexes, level and type bytes, exact length);
/// UTF-8 of messages and attribute strings is validated when a record is materialized.
public struct DecodedBlock: Sendable {
    public let raw: [UInt8]
    public private(set) var count = 0
    public private(set) var timestamps: [Int64] = []
    public private(set) var sequences: [UInt64] = []
    public private(set) var levels: [UInt8] = []
    public private(set) var sources: [String] = []
    public private(set) var sourceIndex: [UInt32] = []
    public private(set) var correlationKinds: [UInt8] = []
    /// For kinds 1 and 2: offset of the 16 UUID bytes in `raw`; for kind 3: offset of the string bytes.
    public private(set) var correlationOffsets: [Int32] = []
    public private(set) var correlationLengths: [UInt16] = []
    /// N+1 offsets into `raw`; message i is `raw[messageOffsets[i]..<messageOffsets[i+1]]`.
    public private(set) var messageOffsets: [Int32] = []
    /// N+1 indexes into the attribute columns.
    public private(set) var attributeStarts: [Int32] = []
    public private(set) var keys: [String] = []
    public private(set) var attributeKeys: [UInt32] = []
    public private(set) var attributeTypes: [UInt8] = []
    /// Offset in `raw` of each attribute value's encoding.
    public private(set) var attributeValueOffsets: [Int32] = []
    /// Where the attribute columns start, and whether they have been decoded.
    public private(set) var attributesOffset = 0
    public private(set) var attributesDecoded = false

    /// Decodes the raw bytes of one block, attributes included.
    public init(raw: [UInt8]) throws(FormatError) {
        try self.init(raw: raw, attributes: true)
    }

    /// Decodes the raw bytes of one block; with `attributes` false the attribute columns are left for
    /// ``decodeAttributes()``.
    public init(raw: [UInt8], attributes: Bool) throws(FormatError) {
        var columns = DecodedBlock(empty: raw)
        let n = try raw.withBytes { (buf) throws(FormatError) -> Int in
            var r = ByteReader(buf)
            return try Self.decodeColumns(&r, into: &columns)
        }
        columns.count = n
        if attributes { try columns.decodeAttributes() }
        self = columns
    }

    private init(empty raw: [UInt8]) {
        self.raw = raw
    }

    private static func decodeColumns(_ r: inout ByteReader, into b: inout DecodedBlock) throws(FormatError) -> Int {
        // Every record needs at least 5 bytes (level, source index, kind, message length, attribute count).
        let n = try r.count("record count", max: r.remaining / 5)
        guard n >= 1 else { throw FormatError("block holds no records", at: 0) }
        b.timestamps.reserveCapacity(n)
        var ts = try r.i64("first timestamp")
        b.timestamps.append(ts)
        for _ in 1..<max(n, 1) where n > 1 {
            ts = ts &+ (try r.zigzag("timestamp delta"))
            b.timestamps.append(ts)
        }
        b.sequences.reserveCapacity(n)
        var seq = try r.u64("first sequence")
        b.sequences.append(seq)
        for _ in 1..<max(n, 1) where n > 1 {
            seq = seq &+ UInt64(bitPattern: try r.zigzag("sequence delta"))
            b.sequences.append(seq)
        }
        let levelOffset = r.offset
        let levelBytes = try r.bytes(n, "levels")
        for (i, l) in levelBytes.enumerated() where Int(l) >= LogLevel.count {
            throw FormatError("unknown level byte \(l)", at: levelOffset + i)
        }
        b.levels = Array(levelBytes)

        let d = try r.count("source dictionary size", max: r.remaining)
        guard d >= 1 else { throw FormatError("empty source dictionary", at: r.offset) }
        b.sources.reserveCapacity(d)
        var seenSources = Set<ExactString>()
        for _ in 0..<d {
            let at = r.offset
            let name = try r.string("source")
            guard seenSources.insert(ExactString(name)).inserted else { throw FormatError("source dictionary repeats an entry", at: at) }
            b.sources.append(name)
        }
        b.sourceIndex.reserveCapacity(n)
        for _ in 0..<n {
            let at = r.offset
            let i = try r.varint("source index")
            guard i < UInt64(d) else { throw FormatError("source index \(i) outside a dictionary of \(d)", at: at) }
            b.sourceIndex.append(UInt32(i))
        }

        let kindOffset = r.offset
        let kinds = try r.bytes(n, "correlation kinds")
        b.correlationKinds = Array(kinds)
        var uuidCount = 0
        var stringCount = 0
        for (i, k) in kinds.enumerated() {
            switch k {
            case CorrelationKind.none: break
            case CorrelationKind.lowercaseUUID, CorrelationKind.uppercaseUUID: uuidCount += 1
            case CorrelationKind.string: stringCount += 1
            default: throw FormatError("unknown correlation kind \(k)", at: kindOffset + i)
            }
        }
        let uuidStart = r.offset
        _ = try r.bytes(uuidCount * 16, "correlation UUIDs")
        b.correlationOffsets = [Int32](repeating: 0, count: n)
        b.correlationLengths = [UInt16](repeating: 0, count: n)
        var nextUUID = uuidStart
        for i in 0..<n {
            switch b.correlationKinds[i] {
            case CorrelationKind.lowercaseUUID, CorrelationKind.uppercaseUUID:
                b.correlationOffsets[i] = Int32(nextUUID)
                b.correlationLengths[i] = 16
                nextUUID += 16
            case CorrelationKind.string:
                let at = r.offset
                let len = try r.count("correlation ID length", max: RecordLimits.maxCorrelationIDBytes)
                guard len > 0 else { throw FormatError("empty correlation ID", at: at) }
                b.correlationOffsets[i] = Int32(r.offset)
                b.correlationLengths[i] = UInt16(len)
                _ = try r.bytes(len, "correlation ID")
            default: break
            }
        }

        b.messageOffsets.reserveCapacity(n + 1)
        var lengths: [Int] = []
        lengths.reserveCapacity(n)
        var total = 0
        for _ in 0..<n {
            let len = try r.count("message length", max: r.remaining)
            total += len
            lengths.append(len)
        }
        guard total <= r.remaining else { throw FormatError("messages need \(total) bytes, \(r.remaining) left", at: r.offset) }
        var o = r.offset
        for len in lengths {
            b.messageOffsets.append(Int32(o))
            o += len
        }
        b.messageOffsets.append(Int32(o))
        _ = try r.bytes(total, "messages")

        b.attributesOffset = r.offset
        return n
    }

    /// Decodes the attribute columns; ``record(_:)`` and attribute lookups need them. Blocks read
    /// only to test time, level, source, correlation or message skip this work.
    public mutating func decodeAttributes() throws(FormatError) {
        guard !attributesDecoded else { return }
        let offset = attributesOffset
        let n = count
        var columns = self
        try raw.withBytes { (buf) throws(FormatError) in
            var r = ByteReader(buf, offset: offset)
            try Self.decodeAttributeColumns(&r, count: n, into: &columns)
        }
        columns.attributesDecoded = true
        self = columns
    }

    private static func decodeAttributeColumns(_ r: inout ByteReader, count n: Int, into b: inout DecodedBlock) throws(FormatError) {
        b.attributeStarts.reserveCapacity(n + 1)
        var attributeTotal = 0
        for _ in 0..<n {
            b.attributeStarts.append(Int32(attributeTotal))
            attributeTotal += try r.count("attribute count", max: r.remaining)
            guard attributeTotal <= r.remaining else {
                throw FormatError("attribute counts exceed the bytes left", at: r.offset)
            }
        }
        b.attributeStarts.append(Int32(attributeTotal))
        let k = try r.count("key dictionary size", max: r.remaining)
        b.keys.reserveCapacity(k)
        var seenKeys = Set<ExactString>()
        for _ in 0..<k {
            let at = r.offset
            let key = try r.string("attribute key")
            guard seenKeys.insert(ExactString(key)).inserted else { throw FormatError("key dictionary repeats an entry", at: at) }
            b.keys.append(key)
        }
        b.attributeKeys.reserveCapacity(attributeTotal)
        for _ in 0..<attributeTotal {
            let at = r.offset
            let i = try r.varint("key index")
            guard i < UInt64(k) else { throw FormatError("key index \(i) outside a dictionary of \(k)", at: at) }
            b.attributeKeys.append(UInt32(i))
        }
        let typeOffset = r.offset
        let types = try r.bytes(attributeTotal, "attribute types")
        b.attributeTypes = Array(types)
        b.attributeValueOffsets.reserveCapacity(attributeTotal)
        for (i, t) in types.enumerated() {
            b.attributeValueOffsets.append(Int32(r.offset))
            switch t {
            case AttributeType.string:
                let len = try r.count("attribute string length", max: r.remaining)
                _ = try r.bytes(len, "attribute string")
            case AttributeType.int: _ = try r.varint("integer attribute")
            case AttributeType.double: _ = try r.bytes(8, "double attribute")
            case AttributeType.bool:
                let at = r.offset
                let v = try r.u8("bool attribute")
                guard v <= 1 else { throw FormatError("bool attribute is \(v)", at: at) }
            default: throw FormatError("unknown attribute type \(t)", at: typeOffset + i)
            }
        }
        guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last column", at: r.offset) }
    }
}
