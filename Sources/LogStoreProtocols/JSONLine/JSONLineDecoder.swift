import LogStoreIngest
import LogStore

/// Decodes an NDJSON body with the field mapping of `logstore ingest` (``NDJSONParser``): one record
/// per non-blank line; a bad line is skipped and reported as `line N, column C`.
///
/// ```swift
/// let body = Array("{\"ts\":1700000000,\"level\":\"error\",\"msg\":\"boom\"}\nnot json\n".utf8)
/// let decoded = JSONLineDecoder().decode(body)
/// print(decoded.records.count, decoded.rejected.map(\.place))   // 1 ["line 2, column 1"]
/// ```
public struct JSONLineDecoder: Sendable {
    public var parser: NDJSONParser

    public init(options: NDJSONParserOptions = NDJSONParserOptions()) {
        parser = NDJSONParser(options: options)
    }

    /// Decodes every line of `body`; the last line needs no terminator.
    public func decode(_ body: [UInt8]) -> DecodedRecords {
        var records: [LogRecord] = []
        var errors: [LineError] = []
        body.withUnsafeBytes { raw in
            _ = parser.parseChunk(raw, firstLineNumber: 1, isFinal: true, into: &records, errors: &errors)
        }
        return DecodedRecords(records: records, rejected: errors.map {
            ProtocolDecodeError(place: "line \($0.line), column \($0.column)", reason: $0.reason)
        })
    }

    /// Decodes like ``decode(_:)`` into rows in the engine's row encoding (docs/FORMAT.md, 3.4), the
    /// form `LogStore.append(rows:)` stores without building a `LogRecord` per line.
    package func decodeRows(_ body: [UInt8]) -> (rows: EncodedRows, rejected: [ProtocolDecodeError]) {
        var rows = EncodedRows()
        var errors: [LineError] = []
        body.withUnsafeBytes { raw in
            _ = parser.parseChunk(raw, firstLineNumber: 1, isFinal: true, into: &rows, errors: &errors)
        }
        return (rows, errors.map { ProtocolDecodeError(place: "line \($0.line), column \($0.column)", reason: $0.reason) })
    }
}
