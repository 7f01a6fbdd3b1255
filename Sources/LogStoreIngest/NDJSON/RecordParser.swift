import LogStoreFormat

/// Turns one line holding a JSON object into a `LogRecord`, in a single pass over its bytes.
///
/// Mapped top-level keys (see ``MappedField``) are only scanned during the pass and converted at the end,
/// so the highest-priority key of each field wins whatever the input order; a lower-priority key that
/// lost is kept as an attribute at its input position. Every other member becomes attributes as it is met.
struct RecordParser {
    /// The best value seen so far for one mapped field.
    struct Candidate {
        var rank: Int
        var key: StringToken
        var value: ValueToken
        var valueOffset: Int
        /// Where the member's attributes go if it is displaced by a higher-priority key.
        var insertIndex: Int
    }

    /// A mapped member displaced by a higher-priority key, to be re-read as attributes at the end.
    struct Demotion {
        var insertIndex: Int
        var key: StringToken
        var valueOffset: Int
    }

    /// One optional candidate per mapped field, without an array allocation.
    struct Slots {
        var timestamp, level, source, correlationID, message: Candidate?
        subscript(field: MappedField) -> Candidate? {
            get {
                switch field {
                case .timestamp: timestamp
                case .level: level
                case .source: source
                case .correlationID: correlationID
                case .message: message
                }
            }
            set {
                switch field {
                case .timestamp: timestamp = newValue
                case .level: level = newValue
                case .source: source = newValue
                case .correlationID: correlationID = newValue
                case .message: message = newValue
                }
            }
        }
    }

    var scanner: JSONScanner
    var attributes: [Attribute] = []
    /// The dotted prefix of the object being flattened (empty at the top level).
    var keyBuffer: [UInt8] = []
    /// Decoding space for strings with escapes.
    var scratch: [UInt8] = []
    var slots = Slots()
    var demotions: [Demotion] = []

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        scanner = JSONScanner(base: base, count: count, maxDepth: maxDepth)
        // Typical records carry a handful of attributes; this saves the first few regrowths.
        attributes.reserveCapacity(8)
    }

    // MARK: The pass

    mutating func parse() throws(SyntaxFailure) -> LogRecord {
        scanner.skipWhitespace()
        let objectStart = scanner.pos
        guard scanner.current == UInt8(ascii: "{") else {
            throw scanner.unexpected("expected '{': a record must be a JSON object")
        }
        try scanner.checkDepth(1)
        scanner.pos += 1
        scanner.skipWhitespace()
        if scanner.current == UInt8(ascii: "}") {
            scanner.pos += 1
        } else {
            while true {
                guard scanner.current == UInt8(ascii: "\"") else { throw scanner.unexpected("expected a string key") }
                let key = try scanner.scanString()
                scanner.skipWhitespace()
                try scanner.expect(UInt8(ascii: ":"), "expected ':' after object key")
                scanner.skipWhitespace()
                try topLevelMember(key)
                scanner.skipWhitespace()
                if scanner.current == UInt8(ascii: ",") {
                    scanner.pos += 1
                    scanner.skipWhitespace()
                    continue
                }
                if scanner.current == UInt8(ascii: "}") {
                    scanner.pos += 1
                    break
                }
                throw scanner.unexpected("expected ',' or '}' after object member")
            }
        }
        scanner.skipWhitespace()
        guard scanner.pos == scanner.end else { throw scanner.failure("unexpected data after the JSON object") }
        if !demotions.isEmpty { try applyDemotions() }

        let timestamp = try resolveTimestamp(objectStart: objectStart)
        let level = try resolveLevel()
        let source = try resolveText(.source) ?? ""
        let correlationID = try resolveCorrelationID()
        let message = try resolveText(.message) ?? ""
        return LogRecord(timestamp: timestamp, level: level, source: source, correlationID: correlationID,
                         message: message, attributes: attributes)
    }

    /// Handles one member of the top-level object whose key has been scanned and whose value is at `pos`.
    private mutating func topLevelMember(_ key: StringToken) throws(SyntaxFailure) {
        let mapping: (field: MappedField, rank: Int)?
        if key.hasEscapes {
            keyBuffer.removeAll(keepingCapacity: true)
            scanner.appendDecoded(key, to: &keyBuffer)
            mapping = keyBuffer.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.flatMap { MappedField.classify($0, count: buffer.count) }
            }
            keyBuffer.removeAll(keepingCapacity: true)
        } else {
            mapping = MappedField.classify(scanner.base + key.start, count: key.end - key.start)
        }
        guard let (field, rank) = mapping else {
            try attributeValue(key: key, depth: 1)
            return
        }
        if let current = slots[field] {
            if rank == current.rank {                 // the same key again: the first value wins
                _ = try scanner.scanValue(depth: 1)
                return
            }
            if rank > current.rank {                  // a lower-priority key: keep it as an attribute
                try attributeValue(key: key, depth: 1)
                return
            }
        }
        let offset = scanner.pos
        let value = try scanner.scanValue(depth: 1)
        if case .null = value { return }              // null counts as absent
        if let displaced = slots[field] {
            demotions.append(Demotion(insertIndex: displaced.insertIndex, key: displaced.key,
                                      valueOffset: displaced.valueOffset))
        }
        slots[field] = Candidate(rank: rank, key: key, value: value, valueOffset: offset,
                                 insertIndex: attributes.count)
    }

    // MARK: Attributes

    /// Parses the value at `pos` into attributes named after `key` under the current prefix. `depth` is the
    /// nesting depth of the object holding the value. Objects are flattened into dotted keys, arrays are kept
    /// as their JSON text, nulls are omitted.
    private mutating func attributeValue(key: StringToken, depth: Int) throws(SyntaxFailure) {
        switch scanner.current {
        case UInt8(ascii: "\""):
            let token = try scanner.scanString()
            let value = scanner.string(token, scratch: &scratch)
            attributes.append(Attribute(makeKey(key), .string(value)))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let token = try scanner.scanNumber()
            attributes.append(Attribute(makeKey(key), numberValue(token)))
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
            attributes.append(Attribute(makeKey(key), .string(scanner.text(start, scanner.pos))))
        default:
            if case .bool(let flag) = try scanner.scanLiteral() {
                attributes.append(Attribute(makeKey(key), .bool(flag)))
            }
        }
    }

    /// Flattens the object at `pos` (at nesting depth `depth`) under the prefix in `keyBuffer`.
    private mutating func nestedObject(depth: Int) throws(SyntaxFailure) {
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

    /// The full attribute key: the current dotted prefix followed by the decoded `key`.
    @inline(__always)
    private mutating func makeKey(_ key: StringToken) -> String {
        if keyBuffer.isEmpty && !key.hasEscapes { return scanner.text(key.start, key.end) }
        let mark = keyBuffer.count
        scanner.appendDecoded(key, to: &keyBuffer)
        let result = keyBuffer.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        keyBuffer.removeLast(keyBuffer.count - mark)
        return result
    }

    /// `.int` for an integer literal that fits in `Int64`, `.double` otherwise.
    @inline(__always)
    private func numberValue(_ token: NumberToken) -> AttributeValue {
        let p = scanner.base + token.start
        let n = token.end - token.start
        if token.isInteger, let value = JSONNumberParsing.int64(p, count: n) { return .int(value) }
        return .double(JSONNumberParsing.double(p, count: n))
    }

    /// Re-reads displaced mapped members as attributes and inserts them at their input positions.
    private mutating func applyDemotions() throws(SyntaxFailure) {
        let savedPosition = scanner.pos
        let ordered = demotions.sorted { ($0.insertIndex, $0.valueOffset) > ($1.insertIndex, $1.valueOffset) }
        for demotion in ordered {
            let kept = attributes
            attributes = []
            scanner.pos = demotion.valueOffset
            try attributeValue(key: demotion.key, depth: 1)
            let added = attributes
            attributes = kept
            attributes.insert(contentsOf: added, at: demotion.insertIndex)
        }
        scanner.pos = savedPosition
    }

    // MARK: Resolving the mapped fields

    private mutating func resolveTimestamp(objectStart: Int) throws(SyntaxFailure) -> Int64 {
        guard let candidate = slots.timestamp else {
            throw SyntaxFailure(offset: objectStart, reason: "missing timestamp")
        }
        switch candidate.value {
        case .string(let token):
            if !token.hasEscapes {
                if let ns = TimestampParser.parseTimestamp(scanner.base + token.start, count: token.end - token.start) {
                    return ns
                }
            } else {
                scratch.removeAll(keepingCapacity: true)
                scanner.appendDecoded(token, to: &scratch)
                let parsed = scratch.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress.flatMap { TimestampParser.parseTimestamp($0, count: buffer.count) }
                }
                if let ns = parsed { return ns }
            }
        case .number(let token):
            if let ns = TimestampParser.parseNumericEpoch(scanner.base + token.start, count: token.end - token.start) {
                return ns
            }
        case .bool, .null, .compound:
            break
        }
        throw SyntaxFailure(offset: candidate.valueOffset, reason: "unparseable timestamp \(describe(candidate.value))")
    }

    private mutating func resolveLevel() throws(SyntaxFailure) -> LogLevel {
        guard let candidate = slots.level else { return .info }
        switch candidate.value {
        case .string(let token):
            let level: LogLevel?
            if !token.hasEscapes {
                level = LevelMatching.level(scanner.base + token.start, count: token.end - token.start)
            } else {
                level = LogLevel(name: scanner.string(token, scratch: &scratch))
            }
            if let level { return level }
        case .number(let token):
            if token.isInteger,
               let severity = JSONNumberParsing.int64(scanner.base + token.start, count: token.end - token.start),
               let level = LevelMatching.syslogLevel(severity) {
                return level
            }
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "unknown level \(describe(candidate.value)) (numeric levels are syslog severities 0-7)")
        case .bool, .null, .compound:
            break
        }
        throw SyntaxFailure(offset: candidate.valueOffset, reason: "unknown level \(describe(candidate.value))")
    }

    /// Source and message: a string, or the JSON text of a number or boolean; nil when absent.
    private mutating func resolveText(_ field: MappedField) throws(SyntaxFailure) -> String? {
        guard let candidate = slots[field] else { return nil }
        switch candidate.value {
        case .string(let token): return scanner.string(token, scratch: &scratch)
        case .number(let token): return scanner.text(token.start, token.end)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return nil
        case .compound:
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "expected a string for \"\(makeKey(candidate.key))\", found \(kindName(candidate.value))")
        }
    }

    private mutating func resolveCorrelationID() throws(SyntaxFailure) -> String? {
        guard let candidate = slots.correlationID else { return nil }
        let id: String
        switch candidate.value {
        case .string(let token): id = scanner.string(token, scratch: &scratch)
        case .number(let token): id = scanner.text(token.start, token.end)
        case .null: return nil
        case .bool, .compound:
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "expected a string or number for \"\(makeKey(candidate.key))\", found \(kindName(candidate.value))")
        }
        let byteCount = id.utf8.count
        guard byteCount <= RecordLimits.maxCorrelationIDBytes else {
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "correlation ID of \(byteCount) bytes exceeds the limit of \(RecordLimits.maxCorrelationIDBytes) bytes")
        }
        return byteCount == 0 ? nil : id
    }

    // MARK: Error text

    /// A value as shown in an error: strings quoted (decoded), everything else as its JSON text,
    /// shortened to 64 characters.
    private mutating func describe(_ value: ValueToken) -> String {
        let text: String
        switch value {
        case .string(let token): text = scanner.string(token, scratch: &scratch)
        case .number(let token): text = scanner.text(token.start, token.end)
        case .bool(let flag): text = flag ? "true" : "false"
        case .null: text = "null"
        case .compound(let start, let end): text = scanner.text(start, end)
        }
        let short = text.count > 64 ? String(text.prefix(64)) + "…" : text
        if case .string = value { return "\"\(short)\"" }
        return short
    }

    private func kindName(_ value: ValueToken) -> String {
        switch value {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .compound(let start, _): scanner.base[start] == UInt8(ascii: "{") ? "an object" : "an array"
        }
    }
}
