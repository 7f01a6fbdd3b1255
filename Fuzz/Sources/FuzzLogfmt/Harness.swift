// Shared harness of FuzzLogfmt and FuzzText (FuzzText/Harness.swift links here): the input →
// LineRecordStream.feed in two pieces (split point derived from the input) + finish, with the default limits
// and with tiny ones (48-byte records); each target's main.swift names its format. Checks line
// accounting, error lines and columns, that the result does not depend on the split (vs one feed of the whole
// input), that nothing stays held after finish, and that every record survives the WAL row encoding.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreIngest
import LogStoreFormat

func options(maxRecordBytes: Int) -> LineParserOptions {
    var o = LineParserOptions()
    o.maxRecordBytes = maxRecordBytes
    o.now = { 1_795_377_753_000_000_000 }     // fixed, so both runs agree
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

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let format = fuzzedFormat
    let buf = inputBuffer(data, size)
    let input = buf
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
        require(stream.nextLineNumber == lines + 1, "\(format)/\(limit): counted \(stream.nextLineNumber - 1) lines, input has \(lines)")
        require(stream.heldBytes == 0, "\(format)/\(limit): \(stream.heldBytes) bytes still held after finish")
        require(records.count + errors.count <= lines, "\(format)/\(limit): \(records.count) records + \(errors.count) errors from \(lines) lines")
        require(whole.records.count == records.count && zip(whole.records, records).allSatisfy { exactlyIdentical($0, $1) },
                "\(format)/\(limit): split at \(split) changes the records")
        require(whole.errors == errors, "\(format)/\(limit): split at \(split) changes the errors:\n  split \(errors)\n  whole \(whole.errors)")
        require(stream.statistics.records == records.count && stream.statistics.errors == errors.count,
                "\(format)/\(limit): statistics \(stream.statistics) disagree with \(records.count) records, \(errors.count) errors")
        var previous = 0
        for e in errors {
            require(e.line > previous && e.line <= lines && e.column >= 1, "\(format)/\(limit): bad error position \(e)")
            previous = e.line
        }
        for (i, r) in records.enumerated() {
            if let id = r.correlationID {
                require(!id.isEmpty && id.utf8.count <= RecordLimits.maxCorrelationIDBytes, "record \(i): correlation ID of \(id.utf8.count) bytes")
            }
            var w = ByteWriter()
            RowCodec.encode(r, into: &w)
            require(w.count <= limit + 64 || format == .logfmt, "\(format)/\(limit): record \(i) of \(w.count) bytes passed the limit")
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

