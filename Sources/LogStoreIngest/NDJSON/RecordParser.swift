import LogStoreFormat

/// Turns one line holding a JSON object into a record, in a single pass over its bytes, and hands the
/// record to a ``RecordSink`` (which makes it a `LogRecord` or row bytes: the rules live here only).
///
/// Mapped top-level keys (see ``MappedField``) are only scanned during the pass and converted at the end,
/// so the highest-priority key of each field wins whatever the input order; a lower-priority key that
/// lost is kept as an attribute at its input position. Every other member becomes attributes as it is met.
///
/// One parser serves many lines (its buffers are reused); ``parse(_:count:)`` starts each line afresh.
struct RecordParser<Sink: RecordSink> {
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

    /// The current line.
    var scanner: JSONScanner
    /// Receives the record.
    var sink: Sink
    /// The dotted prefix of the object being flattened (empty at the top level).
    var keyBuffer: [UInt8] = []
    /// Decoding space for strings with escapes.
    var scratch: [UInt8] = []
    var slots = Slots()
    var demotions: [Demotion] = []
    let maxDepth: Int
    /// The timestamp of an object without one; nil makes a missing timestamp an error (NDJSON input).
    /// A JSON message inside a container log line takes the line's time.
    var fallbackTimestamp: Int64?

    /// A parser delivering to `sink`, allowing objects and arrays nested `maxDepth` deep.
    init(sink: consuming Sink, maxDepth: Int) {
        self.sink = sink
        self.maxDepth = maxDepth
        // An empty line until `parse` is given one; a static string's storage outlives every use.
        scanner = JSONScanner(base: ("" as StaticString).utf8Start, count: 0, maxDepth: maxDepth)
    }

    /// Parses the `count` bytes at `base` (validated UTF-8) and hands the record to the sink.
    /// On failure the sink gets no ``RecordSink/endLine()`` for this line.
    mutating func parse(_ base: UnsafePointer<UInt8>, count: Int) throws(SyntaxFailure) {
        scanner = JSONScanner(base: base, count: count, maxDepth: maxDepth)
        slots = Slots()
        demotions.removeAll(keepingCapacity: true)
        keyBuffer.removeAll(keepingCapacity: true)
        sink.beginLine()
        try parseObject()
    }

    // MARK: The pass

    mutating func parseObject() throws(SyntaxFailure) {
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
        sink.header(timestamp: timestamp, level: level)
        try emitText(.source)
        try emitCorrelationID()
        try emitText(.message)
        sink.endLine()
    }

    /// Handles one member of the top-level object whose key has been scanned and whose value is at `pos`.
    mutating func topLevelMember(_ key: StringToken) throws(SyntaxFailure) {
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
                                 insertIndex: sink.attributeCount)
    }

    /// Re-reads displaced mapped members as attributes and inserts them at their input positions.
    mutating func applyDemotions() throws(SyntaxFailure) {
        let savedPosition = scanner.pos
        let ordered = demotions.sorted { ($0.insertIndex, $0.valueOffset) > ($1.insertIndex, $1.valueOffset) }
        for demotion in ordered {
            let mark = sink.attributeCount
            scanner.pos = demotion.valueOffset
            try attributeValue(key: demotion.key, depth: 1)
            sink.moveAttributes(from: mark, to: demotion.insertIndex)
        }
        scanner.pos = savedPosition
    }
}
