import LogStoreFormat

/// Converting the winning candidate of each mapped field, and the error text for bad ones.
extension RecordParser {
    mutating func resolveTimestamp(objectStart: Int) throws(SyntaxFailure) -> Int64 {
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

    /// Source and message: a string, or the JSON text of a number or boolean; nil when absent.
    mutating func resolveText(_ field: MappedField) throws(SyntaxFailure) -> String? {
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

    mutating func resolveCorrelationID() throws(SyntaxFailure) -> String? {
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
