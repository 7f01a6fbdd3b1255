import Glibc

extension DecodedBlock {
    /// The level of record `i`.
    @inline(__always)
    public func level(_ i: Int) -> LogLevel { LogLevel(rawValue: levels[i]) ?? .info }

    /// The correlation ID of record `i`, or nil.
    public func correlationID(_ i: Int) throws(FormatError) -> String? {
        let kind = correlationKinds[i]
        let off = Int(correlationOffsets[i])
        switch kind {
        case CorrelationKind.lowercaseUUID, CorrelationKind.uppercaseUUID:
            let (hi, lo) = core.withUnsafeBytes { b in
                (UInt64(bigEndian: b.loadUnaligned(fromByteOffset: off, as: UInt64.self)),
                 UInt64(bigEndian: b.loadUnaligned(fromByteOffset: off + 8, as: UInt64.self)))
            }
            return CorrelationCodec.formatUUID(hi: hi, lo: lo, uppercase: kind == CorrelationKind.uppercaseUUID)
        case CorrelationKind.string:
            return try core.withBytes { (b) throws(FormatError) -> String in
                try ByteReader.decodeUTF8(UnsafeRawBufferPointer(rebasing: b[off..<(off + Int(correlationLengths[i]))]), "correlation ID", at: off)
            }
        default:
            return nil
        }
    }

    /// Whether record `i` carries exactly the correlation ID whose row form is `probe`.
    @inline(__always)
    public func correlationMatches(_ i: Int, _ probe: CorrelationProbe) -> Bool {
        let kind = correlationKinds[i]
        guard kind == probe.kind else { return false }
        let off = Int(correlationOffsets[i])
        return core.withUnsafeBytes { b in
            if kind == CorrelationKind.string {
                guard Int(correlationLengths[i]) == probe.bytes.count else { return false }
                return probe.bytes.withUnsafeBytes { p in memcmp(b.baseAddress! + off, p.baseAddress!, p.count) == 0 }
            }
            return UInt64(bigEndian: b.loadUnaligned(fromByteOffset: off, as: UInt64.self)) == probe.hi
                && UInt64(bigEndian: b.loadUnaligned(fromByteOffset: off + 8, as: UInt64.self)) == probe.lo
        }
    }

    /// The message bytes of record `i`.
    @inline(__always)
    public func withMessageBytes<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = Int(messageOffsets[i])
        let end = Int(messageOffsets[i + 1])
        return messageColumn.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// The value of attribute index `a` (an index into the attribute columns).
    public func attributeValue(_ a: Int) throws(FormatError) -> AttributeValue {
        let off = Int(attributeValueOffsets[a])
        return try attributeColumn.withBytes { (b) throws(FormatError) -> AttributeValue in
            var r = ByteReader(b, offset: off)
            switch attributeTypes[a] {
            case AttributeType.string: return .string(try r.string("attribute value"))
            case AttributeType.int: return .int(try r.zigzag())
            case AttributeType.double: return .double(Double(bitPattern: try r.u64()))
            default: return .bool(try r.u8() == 1)
            }
        }
    }

    /// The value of the first attribute named `key` of record `i`, if any.
    public func attribute(_ i: Int, key: String) throws(FormatError) -> AttributeValue? {
        guard attributesDecoded else { throw FormatError("the block's attribute columns were not decoded", at: attributesOffset) }
        guard let a = firstAttribute(row: i, keyIndexes: keyIndexes(matching: key)) else { return nil }
        return try attributeValue(a)
    }

    /// Indexes of the dictionary keys equal to `key` (canonical equivalence, as `String ==`).
    public func keyIndexes(matching key: String) -> Set<UInt32> {
        var out = Set<UInt32>()
        for (i, k) in keys.enumerated() where k == key { out.insert(UInt32(i)) }
        return out
    }

    /// The attribute-column index of the first attribute of row `i` whose key index is in `keyIndexes`.
    public func firstAttribute(row i: Int, keyIndexes: Set<UInt32>) -> Int? {
        guard attributesDecoded, !keyIndexes.isEmpty else { return nil }
        for a in Int(attributeStarts[i])..<Int(attributeStarts[i + 1]) where keyIndexes.contains(attributeKeys[a]) {
            return a
        }
        return nil
    }

    /// Builds the records of `rows`, in that order, validating their strings. Every section must be decoded.
    public func records(_ rows: ArraySlice<Int>) throws(FormatError) -> [LogRecord] {
        var out: [LogRecord] = []
        out.reserveCapacity(rows.count)
        for i in rows { out.append(try record(i)) }
        return out
    }

    /// Builds record `i`, validating its strings. Every section must be decoded.
    public func record(_ i: Int) throws(FormatError) -> LogRecord {
        guard coreDecoded, messagesDecoded, attributesDecoded else {
            throw FormatError("the block's sections were not all decoded", at: 0)
        }
        let correlation = try correlationID(i)
        let mStart = Int(messageOffsets[i])
        let mEnd = Int(messageOffsets[i + 1])
        let message = try messageColumn.withBytes { (b) throws(FormatError) -> String in
            try ByteReader.decodeUTF8(UnsafeRawBufferPointer(rebasing: b[mStart..<mEnd]), "message", at: mStart)
        }
        // One pass over the attribute bytes for every attribute value.
        return try attributeColumn.withBytes { (b) throws(FormatError) -> LogRecord in
            var attrs: [Attribute] = []
            let aStart = Int(attributeStarts[i])
            let aEnd = Int(attributeStarts[i + 1])
            if aEnd > aStart {
                attrs.reserveCapacity(aEnd - aStart)
                var r = ByteReader(b)
                for a in aStart..<aEnd {
                    r.offset = Int(attributeValueOffsets[a])
                    let value: AttributeValue
                    switch attributeTypes[a] {
                    case AttributeType.string: value = .string(try r.string("attribute value"))
                    case AttributeType.int: value = .int(try r.zigzag())
                    case AttributeType.double: value = .double(Double(bitPattern: try r.u64()))
                    default: value = .bool(try r.u8() == 1)
                    }
                    attrs.append(Attribute(keys[Int(attributeKeys[a])], value))
                }
            }
            return LogRecord(timestamp: timestamps[i], level: level(i), source: sources[Int(sourceIndex[i])],
                             correlationID: correlation, message: message, attributes: attrs, sequence: sequences[i])
        }
    }
}

/// A correlation ID prepared for fast comparison against block columns.
public struct CorrelationProbe: Sendable {
    public let id: String
    public let hash: UInt64
    public let kind: UInt8
    public let hi: UInt64
    public let lo: UInt64
    public let bytes: [UInt8]

    public init(_ id: String) {
        self.id = id
        var copy = id
        var pair: (UInt64, UInt64) = (0, 0)
        let (k, h) = copy.withUTF8 { utf8 in
            (CorrelationCodec.parseUUID(utf8, into: &pair) ?? CorrelationKind.string, CorrelationHash.hash(UnsafeRawBufferPointer(utf8)))
        }
        kind = k
        hash = h
        hi = pair.0
        lo = pair.1
        bytes = Array(id.utf8)
    }
}
