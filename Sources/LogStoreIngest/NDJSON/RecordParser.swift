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

    /// Byte buffers that can be reused from one line to the next, so that a chunk of lines does not
    /// allocate them afresh for every record.
    struct Workspace {
        var keyBuffer: [UInt8] = []
        var scratch: [UInt8] = []
    }

    /// Parses the `count` bytes at `base` into a record, borrowing the buffers of `workspace`.
    static func parse(_ base: UnsafePointer<UInt8>, count: Int, maxDepth: Int,
                      workspace: inout Workspace) throws(SyntaxFailure) -> LogRecord {
        var parser = RecordParser(base: base, count: count, maxDepth: maxDepth)
        swap(&parser.keyBuffer, &workspace.keyBuffer)
        swap(&parser.scratch, &workspace.scratch)
        parser.keyBuffer.removeAll(keepingCapacity: true)
        defer {
            swap(&parser.keyBuffer, &workspace.keyBuffer)
            swap(&parser.scratch, &workspace.scratch)
        }
        return try parser.parse()
    }

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
                                 insertIndex: attributes.count)
    }

    /// Re-reads displaced mapped members as attributes and inserts them at their input positions.
    mutating func applyDemotions() throws(SyntaxFailure) {
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
}
