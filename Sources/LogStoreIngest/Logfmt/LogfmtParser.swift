import LogStore
import LogStoreFormat

/// Parses logfmt lines (`ts=2026-11-22T20:02:33Z level=warn msg="disk slow" latency_ms=31.5 retry`).
///
/// Keys map onto the record's fields as in ``NDJSONParser`` (case-sensitive; the first key listed wins,
/// the others stay attributes):
///
/// - timestamp: `timestamp`, `ts`, `time`, `@timestamp`: RFC 3339 or an epoch number (s, ms, µs or ns by
///   magnitude); a line without one gets the ingestion time (``LineParserOptions/now``);
/// - level: `level`, `log_level`, `severity`, `lvl`: a level name or alias, or a syslog severity 0–7;
/// - source: `source`, `worker_name`, `service`, `logger` (else ``LineParserOptions/source``);
/// - correlation ID: `correlation_id`, `correlationId`, `trace_id` (at most 255 bytes);
/// - message: `message`, `msg`.
///
/// Every other pair becomes an attribute in input order: unquoted integers as integers, other unquoted
/// numbers as doubles, unquoted `true`/`false` as booleans, everything else (and every quoted value) as a
/// string; a bare key is the boolean `true`. A bad line gives a ``LineError`` with the column and reason.
public struct LogfmtParser: Sendable {
    public var options: LineParserOptions

    public init(options: LineParserOptions = LineParserOptions()) {
        self.options = options
    }

    /// Parses one line (without its terminator) into a record.
    public func parseLine(_ line: UnsafeRawBufferPointer, lineNumber: Int) -> Result<LogRecord, LineError> {
        parse(line, lineNumber: lineNumber, now: options.now()).map(\.record)
    }

    /// Parses one line held in a `String`.
    public func parseLine(_ line: String, lineNumber: Int) -> Result<LogRecord, LineError> {
        var line = line
        return line.withUTF8 { parseLine(UnsafeRawBufferPointer($0), lineNumber: lineNumber) }
    }

    func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, now: Int64) -> Result<TextLineParser.Parsed, LineError> {
        guard line.count <= options.maxRecordBytes else {
            return .failure(.tooLong(line: lineNumber, bytes: line.count, limit: options.maxRecordBytes))
        }
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), !line.isEmpty else {
            return .failure(LineError(line: lineNumber, column: 1, reason: "empty line"))
        }
        if let bad = UTF8Validation.firstInvalidOffset(base, count: line.count) {
            return .failure(LineError(line: lineNumber, column: bad + 1, reason: "invalid UTF-8 at column \(bad + 1)"))
        }
        switch LogfmtScanner(p: base, n: line.count).pairs() {
        case .failure(let failure):
            return .failure(LineError(line: lineNumber, column: failure.offset + 1, reason: failure.reason))
        case .success(let pairs):
            do {
                return .success(try record(from: pairs, now: now))
            } catch {
                return .failure(LineError(line: lineNumber, column: error.offset + 1, reason: error.reason))
            }
        }
    }

    private func record(from pairs: [LogfmtScanner.Pair], now: Int64) throws(SyntaxFailure) -> TextLineParser.Parsed {
        // The winning pair of each mapped field: the lowest rank, the first of equal ranks.
        var best: [MappedField: (rank: Int, index: Int)] = [:]
        for (index, pair) in pairs.enumerated() where pair.value != nil {
            let mapping = pair.key.utf8.withContiguousStorageIfAvailable { buffer in
                buffer.baseAddress.flatMap { MappedField.classify($0, count: buffer.count) }
            } ?? nil
            guard let (field, rank) = mapping else { continue }
            if let current = best[field], current.rank <= rank { continue }
            best[field] = (rank, index)
        }
        func value(_ field: MappedField) -> (String, Int)? {
            guard let index = best[field]?.index, let text = pairs[index].value else { return nil }
            return (text, pairs[index].column)
        }
        var timestamp = now
        if let (text, column) = value(.timestamp) {
            guard let ns = TimestampParser.parseTimestamp(text) else {
                throw SyntaxFailure(offset: column, reason: "timestamp '\(text)' is not an RFC 3339 time or an epoch number")
            }
            timestamp = ns
        }
        var level = LogLevel.info
        if let (text, column) = value(.level) {
            if let named = LogLevel(name: text) {
                level = named
            } else if let number = Int64(text), let severity = LevelMatching.syslogLevel(number) {
                level = severity
            } else {
                throw SyntaxFailure(offset: column, reason: "unknown level '\(text)' (a level name, or a syslog severity 0-7)")
            }
        }
        var correlationID: String?
        if let (text, column) = value(.correlationID), !text.isEmpty {
            guard text.utf8.count <= RecordLimits.maxCorrelationIDBytes else {
                throw SyntaxFailure(offset: column, reason: "correlation ID is \(text.utf8.count) bytes, the limit is \(RecordLimits.maxCorrelationIDBytes)")
            }
            correlationID = text
        }
        let used = Set(best.values.map(\.index))
        var attributes: [Attribute] = []
        for (index, pair) in pairs.enumerated() where !used.contains(index) {
            attributes.append(Attribute(pair.key, Self.typedValue(pair)))
        }
        let record = LogRecord(timestamp: timestamp, level: level, source: value(.source)?.0 ?? options.source,
                               correlationID: correlationID, message: value(.message)?.0 ?? "", attributes: attributes)
        return TextLineParser.Parsed(record: record, timestampDetected: best[.timestamp] != nil,
                                     levelDetected: best[.level] != nil)
    }

    /// The attribute value of a pair: typed when unquoted, a string when quoted, `true` for a flag.
    static func typedValue(_ pair: LogfmtScanner.Pair) -> AttributeValue {
        guard let text = pair.value else { return .bool(true) }
        guard !pair.quoted, let first = text.utf8.first else { return .string(text) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        let startsNumeric = first &- 0x30 <= 9 || (first == UInt8(ascii: "-") && text.utf8.dropFirst().first.map { $0 &- 0x30 <= 9 } == true)
        guard startsNumeric else { return .string(text) }
        if let int = Int64(text) { return .int(int) }
        if let double = Double(text), double.isFinite { return .double(double) }
        return .string(text)
    }
}
