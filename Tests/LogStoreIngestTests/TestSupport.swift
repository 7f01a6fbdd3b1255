import Testing
import LogStoreFormat
@testable import LogStoreIngest

// Shared helpers for the LogStoreIngest tests.

/// 2026-11-22T20:02:33Z in nanoseconds (checked with `date -u -d 2026-11-22T20:02:33Z +%s`).
let referenceSeconds: Int64 = 1_795_377_753
let referenceNanos: Int64 = referenceSeconds * 1_000_000_000
/// A timestamp member to splice into test records.
let tsMember = #""ts":"2026-11-22T20:02:33Z""#


struct UnexpectedSuccess: Error {}

/// Parses one line (given as text) from a byte buffer.
func parse(_ line: String, lineNumber: Int = 1, options: NDJSONParserOptions = .init()) -> Result<LogRecord, LineError> {
    parse(bytes: Array(line.utf8), lineNumber: lineNumber, options: options)
}

/// Parses one line given as raw bytes (which may be invalid UTF-8).
func parse(bytes: [UInt8], lineNumber: Int = 1, options: NDJSONParserOptions = .init()) -> Result<LogRecord, LineError> {
    bytes.withUnsafeBytes { NDJSONParser(options: options).parseLine($0, lineNumber: lineNumber) }
}

/// The record a valid line parses to; records an issue and throws if it fails.
func record(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> LogRecord {
    switch parse(line) {
    case .success(let record): return record
    case .failure(let error):
        Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The error an invalid line gives; records an issue and throws if it parses.
func lineError(_ line: String, options: NDJSONParserOptions = .init(),
               sourceLocation: SourceLocation = #_sourceLocation) throws -> LineError {
    try lineError(bytes: Array(line.utf8), options: options, sourceLocation: sourceLocation)
}

/// The error an invalid byte line gives; records an issue and throws if it parses.
func lineError(bytes: [UInt8], options: NDJSONParserOptions = .init(),
               sourceLocation: SourceLocation = #_sourceLocation) throws -> LineError {
    switch parse(bytes: bytes, options: options) {
    case .success(let record):
        Issue.record("expected an error, got \(record)", sourceLocation: sourceLocation)
        throw UnexpectedSuccess()
    case .failure(let error): return error
    }
}

/// Runs `parseChunk` over the UTF-8 of `text`.
func parseChunk(_ text: String, firstLineNumber: Int = 1, isFinal: Bool = false,
                options: NDJSONParserOptions = .init())
    -> (records: [LogRecord], errors: [LineError], consumed: Int, lines: Int) {
    var records: [LogRecord] = []
    var errors: [LineError] = []
    let bytes = Array(text.utf8)
    let result = bytes.withUnsafeBytes {
        NDJSONParser(options: options).parseChunk($0, firstLineNumber: firstLineNumber, isFinal: isFinal,
                                                  into: &records, errors: &errors)
    }
    return (records, errors, result.consumed, result.lines)
}
