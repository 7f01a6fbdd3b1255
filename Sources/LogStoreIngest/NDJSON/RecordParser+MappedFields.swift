import LogStoreFormat

/// Converting the winning candidate of each mapped field, and the error text for bad ones.
extension RecordParser {
    mutating func resolveTimestamp(objectStart: Int) throws(SyntaxFailure) -> Int64 {
        guard let candidate = slots.timestamp else {
            if let fallbackTimestamp { return fallbackTimestamp }
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

    mutating func resolveLevel() throws(SyntaxFailure) -> LogLevel {
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

    /// Hands source or message to the sink: a string, or the JSON text of a number or boolean; empty
    /// when absent.
    mutating func emitText(_ field: MappedField) throws(SyntaxFailure) {
        guard let candidate = slots[field] else {
            sink.text(field, .empty)
            return
        }
        switch candidate.value {
        case .string(let token): emitString(field, token)
        case .number(let token): sink.text(field, scanner.bytes(token.start, token.end))
        case .bool(let flag): sink.text(field, Self.literal(flag ? "true" : "false"))
        case .null: sink.text(field, .empty)
        case .compound:
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "expected a string for \"\(makeKey(candidate.key))\", found \(kindName(candidate.value))")
        }
    }

    /// Hands the correlation ID to the sink (empty when absent), after checking its length.
    mutating func emitCorrelationID() throws(SyntaxFailure) {
        guard let candidate = slots.correlationID else {
            sink.text(.correlationID, .empty)
            return
        }
        /// The ID's bytes in the line, or nil when it was decoded into `scratch`.
        let span: (start: Int, end: Int)?
        switch candidate.value {
        case .string(let token) where token.hasEscapes:
            scratch.removeAll(keepingCapacity: true)
            scanner.appendDecoded(token, to: &scratch)
            span = nil
        case .string(let token): span = (token.start, token.end)
        case .number(let token): span = (token.start, token.end)
        case .null:
            sink.text(.correlationID, .empty)
            return
        case .bool, .compound:
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "expected a string or number for \"\(makeKey(candidate.key))\", found \(kindName(candidate.value))")
        }
        let byteCount = span.map { $0.end - $0.start } ?? scratch.count
        guard byteCount <= RecordLimits.maxCorrelationIDBytes else {
            throw SyntaxFailure(offset: candidate.valueOffset,
                                reason: "correlation ID of \(byteCount) bytes exceeds the limit of \(RecordLimits.maxCorrelationIDBytes) bytes")
        }
        if let span {
            sink.text(.correlationID, scanner.bytes(span.start, span.end))
        } else {
            scratch.withUnsafeBufferPointer { sink.text(.correlationID, $0) }
        }
    }

    /// Hands the decoded `token` to the sink as `field`.
    @inline(__always)
    mutating func emitString(_ field: MappedField, _ token: StringToken) {
        if !token.hasEscapes {
            sink.text(field, scanner.bytes(token.start, token.end))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        scanner.appendDecoded(token, to: &scratch)
        scratch.withUnsafeBufferPointer { sink.text(field, $0) }
    }

    /// The bytes of a static literal.
    @inline(__always)
    static func literal(_ text: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }

    // MARK: Error text

    /// A value as shown in an error: strings quoted (decoded), everything else as its JSON text,
    /// shortened to 64 characters.
    mutating func describe(_ value: ValueToken) -> String {
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

    func kindName(_ value: ValueToken) -> String {
        switch value {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .compound(let start, _): scanner.base[start] == UInt8(ascii: "{") ? "an object" : "an array"
        }
    }
}
