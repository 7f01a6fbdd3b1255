/// A decoded block: its columns, ready for filtering, with records materialized on demand.
///
/// A block's columns come in three sections (docs/FORMAT.md, 5.2): core, messages and attributes.
/// Each is decoded on its own, so a query pays only for the sections it reads. Decoding validates the
/// structure (counts, dictionary indexes, level and type bytes, exact length); UTF-8 of messages and
/// attribute strings is validated when a record is materialized.
public struct DecodedBlock: Sendable {
    public private(set) var count = 0
    /// The core section's bytes (for a version 1 block, the whole raw block).
    public private(set) var core: [UInt8] = []
    /// The messages section's bytes (for a version 1 block, the whole raw block).
    public private(set) var messageColumn: [UInt8] = []
    /// The attributes section's bytes (for a version 1 block, the whole raw block).
    public private(set) var attributeColumn: [UInt8] = []
    public private(set) var coreDecoded = false
    public private(set) var messagesDecoded = false
    public private(set) var attributesDecoded = false
    /// Decoded bytes held, summed over the sections (a version 1 block counts once).
    public private(set) var decodedBytes = 0

    public private(set) var timestamps: [Int64] = []
    public private(set) var sequences: [UInt64] = []
    public private(set) var levels: [UInt8] = []
    public private(set) var sources: [String] = []
    public private(set) var sourceIndex: [UInt32] = []
    public private(set) var correlationKinds: [UInt8] = []
    /// For kinds 1 and 2: offset of the 16 UUID bytes in `core`; for kind 3: offset of the string bytes.
    public private(set) var correlationOffsets: [Int32] = []
    public private(set) var correlationLengths: [UInt16] = []
    /// N+1 offsets into `messageColumn`; message i is `messageColumn[messageOffsets[i]..<messageOffsets[i+1]]`.
    public private(set) var messageOffsets: [Int32] = []
    /// N+1 indexes into the attribute columns.
    public private(set) var attributeStarts: [Int32] = []
    public private(set) var keys: [String] = []
    public private(set) var attributeKeys: [UInt32] = []
    public private(set) var attributeTypes: [UInt8] = []
    /// Offset in `attributeColumn` of each attribute value's encoding.
    public private(set) var attributeValueOffsets: [Int32] = []
    /// Where the attribute columns start in `attributeColumn`.
    public private(set) var attributesOffset = 0
    /// A version 1 block whose attributes are still to be decoded from `attributeColumn`.
    private var attributesPending = false

    /// Decodes the raw bytes of a version 1 block (the three sections concatenated), attributes included.
    public init(raw: [UInt8]) throws(FormatError) {
        try self.init(raw: raw, attributes: true)
    }

    /// Decodes the raw bytes of a version 1 block (the three sections concatenated); with `attributes`
    /// false the attribute columns are left for ``decodeAttributes()``.
    public init(raw: [UInt8], attributes: Bool) throws(FormatError) {
        var b = DecodedBlock()
        let (n, coreEnd) = try raw.withBytes { (buf) throws(FormatError) -> (Int, Int) in
            var r = ByteReader(buf)
            let n = try Self.decodeCore(&r, into: &b)
            return (n, r.offset)
        }
        b.count = n
        b.core = raw
        b.coreDecoded = true
        b.messageColumn = raw
        b.attributesOffset = try raw.withBytes { (buf) throws(FormatError) -> Int in
            var r = ByteReader(buf, offset: coreEnd)
            try Self.decodeMessages(&r, count: n, into: &b)
            return r.offset
        }
        b.messagesDecoded = true
        b.attributeColumn = raw
        b.attributesPending = true
        b.decodedBytes = raw.count
        if attributes { try b.decodeAttributes() }
        self = b
    }

    /// Decodes the sections of a version 2 block; sections given as nil are left out (a block
    /// without its attributes still filters on time, level, source, correlation and message).
    public init(count: Int, core: [UInt8]?, messages: [UInt8]?, attributes: [UInt8]?) throws(FormatError) {
        guard count >= 1 else { throw FormatError("block holds no records", at: 0) }
        var b = DecodedBlock()
        b.count = count
        if let core { try b.add(.core, core) }
        if let messages { try b.add(.messages, messages) }
        if let attributes { try b.add(.attributes, attributes) }
        self = b
    }

    /// Decodes the sections a version 2 block holds, from their decoded bytes.
    public init(_ sections: BlockSections) throws(FormatError) {
        try self.init(count: sections.count, core: sections.core, messages: sections.messages, attributes: sections.attributes)
    }

    private init() {}

    /// Decodes one section of a version 2 block (its decoded bytes), which must be consumed exactly.
    /// Offsets in errors are relative to the section.
    public mutating func add(_ section: BlockSection, _ bytes: [UInt8]) throws(FormatError) {
        var b = self
        let n = count
        try bytes.withBytes { (buf) throws(FormatError) in
            var r = ByteReader(buf)
            switch section {
            case .core:
                guard !b.coreDecoded else { return }
                let found = try Self.decodeCore(&r, into: &b)
                guard found == n else { throw FormatError("core section holds \(found) records, the block header says \(n)", at: 0) }
                b.core = bytes
                b.coreDecoded = true
            case .messages:
                guard !b.messagesDecoded else { return }
                try Self.decodeMessages(&r, count: n, into: &b)
                b.messageColumn = bytes
                b.messagesDecoded = true
            case .attributes:
                guard !b.attributesDecoded else { return }
                try Self.decodeAttributeColumns(&r, count: n, into: &b)
                b.attributeColumn = bytes
                b.attributesOffset = 0
                b.attributesDecoded = true
            }
            guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the \(section) section", at: r.offset) }
        }
        b.decodedBytes += bytes.count
        self = b
    }

    /// Whether `section` is decoded.
    public func has(_ section: BlockSection) -> Bool {
        switch section {
        case .core: coreDecoded
        case .messages: messagesDecoded
        case .attributes: attributesDecoded
        }
    }

    private static func decodeCore(_ r: inout ByteReader, into b: inout DecodedBlock) throws(FormatError) -> Int {
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
        return n
    }

    private static func decodeMessages(_ r: inout ByteReader, count n: Int, into b: inout DecodedBlock) throws(FormatError) {
        // One pass: running totals from 0 (each checked against the bytes left, so they fit in Int32),
        // then shifted to where the message bytes start, right after the lengths.
        guard n <= r.remaining else { throw FormatError("\(n) message lengths need at least \(n) bytes, \(r.remaining) left", at: r.offset) }
        var offsets = [Int32](repeating: 0, count: n + 1)
        var total = 0
        try offsets.withUnsafeMutableBufferPointer { (o) throws(FormatError) in
            for i in 0..<n {
                total += try r.count("message length", max: r.remaining)
                guard total <= r.remaining else {
                    throw FormatError("messages need at least \(total) bytes, \(r.remaining) left", at: r.offset)
                }
                o[i + 1] = Int32(total)
            }
            let base = Int32(r.offset)
            for i in 0...n { o[i] &+= base }
        }
        _ = try r.bytes(total, "messages")
        b.messageOffsets = offsets
    }

    /// Decodes the attribute columns of a version 1 block read with `attributes: false`;
    /// ``record(_:)`` and attribute lookups need them. For a version 2 block, use ``add(_:_:)``.
    public mutating func decodeAttributes() throws(FormatError) {
        guard !attributesDecoded else { return }
        guard attributesPending else { throw FormatError("the block's attributes section was not read", at: 0) }
        let offset = attributesOffset
        let n = count
        var columns = self
        try attributeColumn.withBytes { (buf) throws(FormatError) in
            var r = ByteReader(buf, offset: offset)
            try Self.decodeAttributeColumns(&r, count: n, into: &columns)
            guard r.isAtEnd else { throw FormatError("\(r.remaining) bytes left after the last column", at: r.offset) }
        }
        columns.attributesDecoded = true
        columns.attributesPending = false
        self = columns
    }

    private static func decodeAttributeColumns(_ r: inout ByteReader, count n: Int, into b: inout DecodedBlock) throws(FormatError) {
        guard n <= r.remaining else { throw FormatError("\(n) attribute counts need at least \(n) bytes, \(r.remaining) left", at: r.offset) }
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
    }
}
