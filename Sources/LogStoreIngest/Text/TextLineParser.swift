import LogStore

/// Turns plain-text log lines into records.
///
/// - timestamp: detected at the start of the line (or after a short first token, or in a common log
///   format bracket) as described in the README's text format section: RFC 3339/ISO 8601, syslog
///   `MMM dd HH:mm:ss`, Apache/nginx, logcat and epoch numbers; otherwise the ingestion time
///   (``LineParserOptions/now``). A timestamp at the very start is cut from the message.
/// - level: from common tokens near the start (`ERROR`, `Warn`, `[info]`, `level=debug`, `E/Tag`, …);
///   otherwise `info`.
/// - source: ``LineParserOptions/source``; message: the rest of the line; no attributes.
///
/// A line is an error only when it is not valid UTF-8 or over the size limit. Joining multi-line records
/// (stack traces) is done by ``LineRecordStream``, which sees the lines that follow.
public struct TextLineParser: Sendable {
    public var options: LineParserOptions

    public init(options: LineParserOptions = LineParserOptions()) {
        self.options = options
    }

    /// A parsed line and what was detected in it.
    struct Parsed {
        var record: LogRecord
        var timestampDetected: Bool
        var levelDetected: Bool
    }

    /// Parses one line (without its terminator) into a record.
    ///
    /// - Parameter lineNumber: the 1-based line number reported in a ``LineError``.
    public func parseLine(_ line: UnsafeRawBufferPointer, lineNumber: Int) -> Result<LogRecord, LineError> {
        parse(line, lineNumber: lineNumber, now: options.now()).map(\.record)
    }

    /// Parses one line held in a `String`.
    public func parseLine(_ line: String, lineNumber: Int) -> Result<LogRecord, LineError> {
        var line = line
        return line.withUTF8 { parseLine(UnsafeRawBufferPointer($0), lineNumber: lineNumber) }
    }

    func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, now: Int64) -> Result<Parsed, LineError> {
        guard line.count <= options.maxRecordBytes else {
            return .failure(.tooLong(line: lineNumber, bytes: line.count, limit: options.maxRecordBytes))
        }
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), !line.isEmpty else {
            return .failure(LineError(line: lineNumber, column: 1, reason: "empty line"))
        }
        if let bad = UTF8Validation.firstInvalidOffset(base, count: line.count) {
            return .failure(LineError(line: lineNumber, column: bad + 1, reason: "invalid UTF-8 at column \(bad + 1)"))
        }
        let stamp = TextTimestamp.detect(base, count: line.count, reference: now)
        let cut = stamp?.prefixLength ?? 0
        let level = TextLevel.detect(base, count: line.count, from: stamp?.end ?? 0)
        let message = String(decoding: UnsafeBufferPointer(start: base + cut, count: line.count - cut), as: UTF8.self)
        let record = LogRecord(timestamp: stamp?.nanoseconds ?? now, level: level ?? .info, source: options.source,
                               correlationID: nil, message: message, attributes: [])
        return .success(Parsed(record: record, timestampDetected: stamp != nil, levelDetected: level != nil))
    }

    /// Whether a line continues the record before it: it starts with a space or a tab, `at `,
    /// `Caused by:` or `...`.
    static func isContinuation(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let first = line.first else { return false }
        if first == 0x20 || first == 0x09 { return true }
        func starts(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard line.count >= n else { return false }
            let q = literal.utf8Start
            for k in 0..<n where line[k] != q[k] { return false }
            return true
        }
        return starts("at ") || starts("Caused by:") || starts("...")
    }
}

extension LineError {
    static func tooLong(line: Int, bytes: Int, limit: Int) -> LineError {
        LineError(line: line, column: limit + 1, reason: "record of \(bytes) bytes exceeds the limit of \(limit) bytes")
    }
}
