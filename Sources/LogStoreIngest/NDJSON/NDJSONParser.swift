#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LogStore
import LogStoreFormat

/// A fast parser for newline-delimited JSON log records, working directly on bytes.
///
/// Each line must hold one JSON object. Top-level keys map onto the record's fields:
///
/// - timestamp (required): `timestamp`, `ts`, `time` or `@timestamp`; an RFC 3339 string, a numeric string or
///   a number giving epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude).
/// - level: `level`, `log_level`, `severity` or `lvl`; a name accepted by `LogLevel(name:)` or a syslog
///   severity number 0–7. Defaults to `info`.
/// - source: `source`, `worker_name`, `service` or `logger`. Defaults to `""`.
/// - correlation ID: `correlation_id`, `correlationId` or `trace_id`; a string or a number (kept as its JSON
///   text), at most 255 UTF-8 bytes; empty means none.
/// - message: `message` or `msg`. Defaults to `""`.
///
/// Source and message also accept numbers and booleans, kept as their JSON text. When several keys of one
/// field are present the one listed first wins; the others stay attributes. A `null` counts as absent.
///
/// Every other member becomes attributes in input order: strings, integers that fit in `Int64`, other
/// numbers as doubles, booleans; `null` is omitted; arrays are kept as their JSON text as written; nested
/// objects are flattened into dotted keys (`{"http":{"status":500}}` gives `http.status`).
public struct NDJSONParser: Sendable {
    public var options: NDJSONParserOptions

    public init(options: NDJSONParserOptions = NDJSONParserOptions()) {
        self.options = options
    }

    /// Parses one line (without its line terminator) into a record.
    ///
    /// - Parameter lineNumber: the 1-based line number reported in a ``LineError``.
    public func parseLine(_ line: UnsafeRawBufferPointer, lineNumber: Int) -> Result<LogRecord, LineError> {
        guard let base = line.baseAddress, !line.isEmpty else {
            return .failure(LineError(line: lineNumber, column: 1, reason: "empty line"))
        }
        var parser = RecordParser(sink: LogRecordSink(), maxDepth: options.maxNestingDepth)
        do {
            try parse(base.assumingMemoryBound(to: UInt8.self), count: line.count, with: &parser)
        } catch {
            return .failure(LineError(line: lineNumber, column: error.offset + 1, reason: error.reason))
        }
        // A parse that did not throw delivered exactly one record.
        guard let record = parser.sink.records.last else {
            return .failure(LineError(line: lineNumber, column: 1, reason: "no record"))
        }
        return .success(record)
    }

    /// Parses one line held in a `String`; see ``parseLine(_:lineNumber:)-(UnsafeRawBufferPointer,_)``.
    public func parseLine(_ line: String, lineNumber: Int) -> Result<LogRecord, LineError> {
        var line = line
        return line.withUTF8 { parseLine(UnsafeRawBufferPointer($0), lineNumber: lineNumber) }
    }

    /// Parses every complete line of `buffer`.
    ///
    /// Lines end with `\n` (a `\r` before it is dropped). Blank and whitespace-only lines are skipped but
    /// counted. Records are appended to `records` and failures to `errors`, both in input order.
    /// An unterminated last line is left unconsumed unless `isFinal` is true, so the caller can prepend it
    /// to the next chunk (``NDJSONStream`` does this bookkeeping).
    ///
    /// - Parameter firstLineNumber: the 1-based line number of the first line in `buffer`.
    /// - Returns: how many bytes were consumed and how many lines (including blank ones) they held.
    @discardableResult
    public func parseChunk(
        _ buffer: UnsafeRawBufferPointer,
        firstLineNumber: Int,
        isFinal: Bool = false,
        into records: inout [LogRecord],
        errors: inout [LineError]
    ) -> (consumed: Int, lines: Int) {
        var parser = RecordParser(sink: LogRecordSink(), maxDepth: options.maxNestingDepth)
        swap(&parser.sink.records, &records)
        defer { swap(&parser.sink.records, &records) }
        return parseChunk(buffer, firstLineNumber: firstLineNumber, isFinal: isFinal, with: &parser, errors: &errors)
    }

    /// Parses every complete line of `buffer` like
    /// ``parseChunk(_:firstLineNumber:isFinal:into:errors:)-([LogRecord],_)``, but appends each record to
    /// `rows` in the row encoding (docs/FORMAT.md, 3.4) without building a `LogRecord`: the bytes equal
    /// `RowCodec.encode` of the record the other form gives, and the errors are the same.
    @discardableResult
    package func parseChunk(
        _ buffer: UnsafeRawBufferPointer,
        firstLineNumber: Int,
        isFinal: Bool = false,
        into rows: inout EncodedRows,
        errors: inout [LineError]
    ) -> (consumed: Int, lines: Int) {
        var parser = RecordParser(sink: RowSink(rows: consume rows), maxDepth: options.maxNestingDepth)
        defer {
            parser.sink.release()
            rows = parser.sink.rows
        }
        return parseChunk(buffer, firstLineNumber: firstLineNumber, isFinal: isFinal, with: &parser, errors: &errors)
    }

    /// The line splitting shared by every output: each non-blank line goes to `parser`, whose sink
    /// receives the records; failures go to `errors`.
    func parseChunk<Sink: RecordSink>(
        _ buffer: UnsafeRawBufferPointer,
        firstLineNumber: Int,
        isFinal: Bool,
        with parser: inout RecordParser<Sink>,
        errors: inout [LineError]
    ) -> (consumed: Int, lines: Int) {
        guard let raw = buffer.baseAddress, !buffer.isEmpty else { return (0, 0) }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        let n = buffer.count
        var start = 0
        var lines = 0
        while start < n {
            let newline: Int
            if let hit = memchr(raw + start, 0x0A, n - start) {
                newline = raw.distance(to: UnsafeRawPointer(hit))
            } else if isFinal {
                newline = n
            } else {
                break
            }
            var end = newline
            if end > start && p[end - 1] == 0x0D { end -= 1 }
            let lineNumber = firstLineNumber + lines
            lines += 1
            if !Self.isBlank(p, start, end) {
                do {
                    try parse(p + start, count: end - start, with: &parser)
                } catch {
                    errors.append(LineError(line: lineNumber, column: error.offset + 1, reason: error.reason))
                }
            }
            start = newline + 1
        }
        return (min(start, n), lines)
    }

    /// Whether `p[start..<end]` holds only spaces, tabs and carriage returns.
    @inline(__always)
    static func isBlank(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let c = p[i]
            guard c == 0x20 || c == 0x09 || c == 0x0D else { return false }
            i += 1
        }
        return true
    }

    /// Checks the size limit and the encoding, then parses the object into `parser`'s sink.
    func parse<Sink: RecordSink>(_ p: UnsafePointer<UInt8>, count n: Int,
                                 with parser: inout RecordParser<Sink>) throws(SyntaxFailure) {
        guard n <= options.maxRecordBytes else {
            throw SyntaxFailure(offset: options.maxRecordBytes,
                                reason: "record of \(n) bytes exceeds the limit of \(options.maxRecordBytes) bytes")
        }
        if let bad = UTF8Validation.firstInvalidOffset(p, count: n) {
            throw SyntaxFailure(offset: bad, reason: "invalid UTF-8 at column \(bad + 1)")
        }
        try parser.parse(p, count: n)
    }
}
