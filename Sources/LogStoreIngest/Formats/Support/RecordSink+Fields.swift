import LogStoreFormat

/// Attribute calls for the format parsers, which name their keys with literals and their values with
/// byte ranges of the line.
extension RecordSink {
    /// A string attribute.
    @inline(__always)
    mutating func attribute(_ key: StaticString, _ value: UnsafeBufferPointer<UInt8>) {
        attributeKey(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        stringValue(value)
    }

    /// A string attribute with a constant value.
    @inline(__always)
    mutating func attribute(_ key: StaticString, _ value: StaticString) {
        attribute(key, UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    /// An integer attribute.
    @inline(__always)
    mutating func attribute(_ key: StaticString, int value: Int64) {
        attributeKey(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        intValue(value)
    }

    /// A string attribute from a quoted range of the cursor's line, its escapes decoded when it has any.
    mutating func attribute(_ key: StaticString, of c: ByteCursor, _ range: Range<Int>, escaped: Bool) {
        guard escaped else {
            attribute(key, c.bytes(range))
            return
        }
        let decoded = c.unescapedBytes(range)
        decoded.withUnsafeBufferPointer { attribute(key, $0) }
    }

    /// An attribute with a value already typed (`key=value` pairs, as in logfmt).
    mutating func attribute(_ key: UnsafeBufferPointer<UInt8>, _ value: AttributeValue) {
        attributeKey(key)
        switch value {
        case .string(var text): text.withUTF8 { stringValue($0) }
        case .int(let v): intValue(v)
        case .double(let v): doubleValue(v)
        case .bool(let v): boolValue(v)
        }
    }
}
