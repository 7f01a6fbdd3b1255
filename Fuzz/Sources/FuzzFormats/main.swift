// Fuzz target: the line formats of issue 17 (access, error-log, syslog, docker, cri, pattern, auto) through
// LineRecordStream. The first input byte picks the format (modulo 7), the rest is the input, fed in two
// pieces (split point a hash of the input) + finish, with the default limits and with 48-byte records.
// Checks: line accounting, nothing held after finish, records + errors <= lines, every line that does not
// fit counted (unmatched <= records), the split does not change records or errors (CRI/Docker piece
// joining across reads included), statistics agree, every record survives the row encoding, and the row output
// (what `logstore ingest` stores) is the records' row encoding byte for byte, with the same errors.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreIngest
import LogStoreFormat

/// LeakSanitizer suppressions: Swift's regex parser (`_RegexParser`, `_StringProcessing`) leaves the boxes of
/// the pattern's syntax tree allocated for the life of the process (the one `LinePattern` below, made once);
/// LSan reports them at exit. Our code is not in those stacks.
@_cdecl("__lsan_default_suppressions")
func lsanDefaultSuppressions() -> UnsafePointer<UInt8> {
    ("leak:_RegexParser\nleak:_StringProcessing\n" as StaticString).utf8Start
}

let formats: [LineFormat] = [.access, .errorLog, .syslog, .docker, .cri, .pattern, .auto]
// A fixed pattern with a layout, so the pattern format and TimestampLayout are exercised too.
let pattern = try! LinePattern(#"^(?<timestamp>\S+ \S+) (?<level>\w+) (?<code>\d+) (?<message>.*)$"#, timestampLayout: "%F %T")

func options(maxRecordBytes: Int) -> LineParserOptions {
    var o = LineParserOptions()
    o.maxRecordBytes = maxRecordBytes
    o.now = { 1_795_377_753_000_000_000 }     // fixed, so both runs agree
    o.pattern = pattern
    o.path = "/var/log/containers/pod-1_ns_app-" + String(repeating: "0f", count: 32) + ".log"
    return o
}

func run(_ format: LineFormat, _ o: LineParserOptions, _ pieces: [UnsafeRawBufferPointer])
    -> (records: [LogRecord], errors: [LineError], stream: LineRecordStream) {
    var stream = LineRecordStream(format: format, options: o)
    var records: [LogRecord] = []
    var errors: [LineError] = []
    for piece in pieces { stream.feed(piece, into: &records, errors: &errors) }
    stream.finish(into: &records, errors: &errors)
    return (records, errors, stream)
}

/// The same input through the row output (`logstore ingest`'s path: straight into rows for NDJSON and access,
/// records encoded for the rest): the row bytes and the errors.
func runRows(_ format: LineFormat, _ o: LineParserOptions, _ pieces: [UnsafeRawBufferPointer]) -> (rows: [UInt8], errors: [LineError]) {
    var stream = LineRecordStream(format: format, options: o)
    var rows = ByteWriter()
    var errors: [LineError] = []
    for piece in pieces { _ = stream.feed(piece, appendingRowsTo: &rows, errors: &errors) }
    _ = stream.finish(appendingRowsTo: &rows, errors: &errors)
    return (rows.bytes, errors)
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buf = inputBuffer(data, size)
    guard let selector = buf.first else { return 0 }
    let format = formats[Int(selector) % formats.count]
    let input = UnsafeRawBufferPointer(rebasing: buf[1...])
    var lines = 0
    for b in input where b == 0x0A { lines += 1 }
    if let last = input.last, last != 0x0A { lines += 1 }
    var h: UInt64 = 0xcbf29ce484222325
    for b in input { h = (h ^ UInt64(b)) &* 0x100000001b3 }
    let split = input.isEmpty ? 0 : Int(h % UInt64(input.count + 1))

    for limit in [RecordLimits.defaultMaxRecordBytes, 48] {
        let o = options(maxRecordBytes: limit)
        let (records, errors, stream) = run(format, o, [UnsafeRawBufferPointer(rebasing: input[0..<split]),
                                                        UnsafeRawBufferPointer(rebasing: input[split...])])
        let whole = run(format, o, [input])
        let st = stream.statistics
        require(stream.nextLineNumber == lines + 1, "\(format)/\(limit): counted \(stream.nextLineNumber - 1) lines, input has \(lines)")
        require(stream.heldBytes == 0, "\(format)/\(limit): \(stream.heldBytes) bytes still held after finish")
        require(records.count + errors.count <= lines, "\(format)/\(limit): \(records.count) records + \(errors.count) errors from \(lines) lines")
        require(st.unmatchedTotal <= records.count, "\(format)/\(limit): \(st.unmatchedTotal) kept as text but \(records.count) records")
        require(whole.records.count == records.count && zip(whole.records, records).allSatisfy { exactlyIdentical($0, $1) },
                "\(format)/\(limit): split at \(split) changes the records")
        require(whole.errors == errors, "\(format)/\(limit): split at \(split) changes the errors:\n  split \(errors)\n  whole \(whole.errors)")
        require(st.records == records.count && st.errors == errors.count,
                "\(format)/\(limit): statistics \(st) disagree with \(records.count) records, \(errors.count) errors")
        let rowOutput = runRows(format, o, [UnsafeRawBufferPointer(rebasing: input[0..<split]),
                                            UnsafeRawBufferPointer(rebasing: input[split...])])
        var encoded = ByteWriter()
        for r in records { RowCodec.encode(r, into: &encoded) }
        require(rowOutput.rows == encoded.bytes && rowOutput.errors == errors,
                "\(format)/\(limit): the row output differs from the encoded records (\(rowOutput.rows.count) vs \(encoded.bytes.count) bytes)")
        require(format != .auto || st.detection != nil || input.isEmpty || records.isEmpty,
                "auto/\(limit): records without a detection")
        for (i, r) in records.enumerated() {
            if let id = r.correlationID {
                require(!id.isEmpty && id.utf8.count <= RecordLimits.maxCorrelationIDBytes, "record \(i): correlation ID of \(id.utf8.count) bytes")
            }
            var w = ByteWriter()
            RowCodec.encode(r, into: &w)
            let back = w.bytes.withUnsafeBytes { row -> LogRecord? in
                var reader = ByteReader(row)
                guard let d = try? RowCodec.decode(&reader, sequence: r.sequence), reader.isAtEnd else { return nil }
                return d
            }
            require(back.map { exactlyIdentical($0, r) } == true, "\(format)/\(limit): record \(i) does not survive the row encoding: \(r)")
        }
    }
    return 0
}

fuzzMain { fuzzOne($0, $1) }
