import LogStoreFormat

/// Attributes: every top-level member that is not a mapped field, flattened.
extension RecordParser {
    /// Parses the value at `pos` into attributes named after `key` under the current prefix. `depth` is the
    /// nesting depth of the object holding the value. Objects are flattened into dotted keys, arrays are kept
    /// as their JSON text, nulls are omitted.
    mutating func attributeValue(key: StringToken, depth: Int) throws(SyntaxFailure) {
        switch scanner.current {
        case UInt8(ascii: "\""):
            let token = try scanner.scanString()
            emitKey(key)
            if !token.hasEscapes {
                sink.stringValue(scanner.bytes(token.start, token.end))
            } else {
                scratch.removeAll(keepingCapacity: true)
                scanner.appendDecoded(token, to: &scratch)
                scratch.withUnsafeBufferPointer { sink.stringValue($0) }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let token = try scanner.scanNumber()
            emitKey(key)
            emitNumber(token)
        case UInt8(ascii: "{"):
            try scanner.checkDepth(depth + 1)
            let mark = keyBuffer.count
            scanner.appendDecoded(key, to: &keyBuffer)
            keyBuffer.append(UInt8(ascii: "."))
            try nestedObject(depth: depth + 1)
            keyBuffer.removeLast(keyBuffer.count - mark)
        case UInt8(ascii: "["):
            let start = scanner.pos
            try scanner.skipContainer(depth: depth + 1)
            emitKey(key)
            sink.stringValue(scanner.bytes(start, scanner.pos))
        default:
            if case .bool(let flag) = try scanner.scanLiteral() {
                emitKey(key)
                sink.boolValue(flag)
            }
        }
    }

    /// Flattens the object at `pos` (at nesting depth `depth`) under the prefix in `keyBuffer`.
    mutating func nestedObject(depth: Int) throws(SyntaxFailure) {
        scanner.pos += 1
        scanner.skipWhitespace()
        if scanner.current == UInt8(ascii: "}") {
            scanner.pos += 1
            return
        }
        while true {
            guard scanner.current == UInt8(ascii: "\"") else { throw scanner.unexpected("expected a string key") }
            let key = try scanner.scanString()
            scanner.skipWhitespace()
            try scanner.expect(UInt8(ascii: ":"), "expected ':' after object key")
            scanner.skipWhitespace()
            try attributeValue(key: key, depth: depth)
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: ",") {
                scanner.pos += 1
                scanner.skipWhitespace()
                continue
            }
            if scanner.current == UInt8(ascii: "}") {
                scanner.pos += 1
                return
            }
            throw scanner.unexpected("expected ',' or '}' after object member")
        }
    }

    /// Starts an attribute named by the current dotted prefix followed by the decoded `key`.
    @inline(__always)
    mutating func emitKey(_ key: StringToken) {
        if keyBuffer.isEmpty && !key.hasEscapes {
            sink.attributeKey(scanner.bytes(key.start, key.end))
            return
        }
        let mark = keyBuffer.count
        scanner.appendDecoded(key, to: &keyBuffer)
        keyBuffer.withUnsafeBufferPointer { sink.attributeKey($0) }
        keyBuffer.removeLast(keyBuffer.count - mark)
    }

    /// The full attribute key as a `String`, for error messages.
    mutating func makeKey(_ key: StringToken) -> String {
        if keyBuffer.isEmpty && !key.hasEscapes { return scanner.text(key.start, key.end) }
        let mark = keyBuffer.count
        scanner.appendDecoded(key, to: &keyBuffer)
        let result = keyBuffer.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        keyBuffer.removeLast(keyBuffer.count - mark)
        return result
    }

    /// Completes the started attribute with an integer if `token` is an integer literal that fits in
    /// `Int64`, with a double otherwise.
    @inline(__always)
    mutating func emitNumber(_ token: NumberToken) {
        let p = scanner.base + token.start
        let n = token.end - token.start
        if token.isInteger, let value = JSONNumberParsing.int64(p, count: n) {
            sink.intValue(value)
        } else {
            sink.doubleValue(JSONNumberParsing.double(p, count: n))
        }
    }
}
