// Fuzz target: NDJSON text → NDJSONStream.feed in two pieces (split point derived from the input) + finish,
// with the default parser and with a tiny-limits parser (48-byte records, nesting depth 3) that exercises the
// over-limit and skipping paths. Checks line accounting and error columns, that the result does not depend
// on the split (vs one parseChunk over the whole input), and that every record survives the WAL row and
// block encodings.
import CFuzzSupport
import FuzzKit
import LogStore
import LogStoreIngest
import LogStoreFormat

let parsers = [
    NDJSONParser(),
    NDJSONParser(options: .init(maxRecordBytes: 48, maxNestingDepth: 3)),
]

/// Line lengths as the parser counts them: split at `\n`, one `\r` before the terminator (or at the end of
/// input) dropped. A last line without terminator counts when it is not empty.
func lineLengths(_ buf: UnsafeRawBufferPointer) -> [Int] {
    var out: [Int] = []
    var start = 0
    for i in 0..<buf.count where buf[i] == 0x0A {
        var end = i
        if end > start && buf[end - 1] == 0x0D { end -= 1 }
        out.append(end - start)
        start = i + 1
    }
    if start < buf.count {
        var end = buf.count
        if buf[end - 1] == 0x0D { end -= 1 }
        out.append(end - start)
    }
    return out
}

/// Whether 1-based line `number` holds only spaces, tabs and carriage returns.

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buf = inputBuffer(data, size)
    let lengths = lineLengths(buf)
    // A split point that depends on the whole input, so mutations move it around.
    var h: UInt64 = 0xcbf29ce484222325
    for b in buf { h = (h ^ UInt64(b)) &* 0x100000001b3 }
    let split = size == 0 ? 0 : Int(h % UInt64(size + 1))

    for (p, parser) in parsers.enumerated() {
        var stream = NDJSONStream(parser: parser)
        var records: [LogRecord] = []
        var errors: [LineError] = []
        stream.feed(UnsafeRawBufferPointer(rebasing: buf[0..<split]), into: &records, errors: &errors)
        stream.feed(UnsafeRawBufferPointer(rebasing: buf[split...]), into: &records, errors: &errors)
        stream.finish(into: &records, errors: &errors)

        require(records.count + errors.count <= lengths.count,
                "parser \(p): \(records.count) records + \(errors.count) errors from \(lengths.count) lines")
        require(stream.nextLineNumber == lengths.count + 1, "parser \(p): stream counted \(stream.nextLineNumber - 1) lines, input has \(lengths.count)")
        var previousLine = 0
        for e in errors {
            require(e.line > previousLine && e.line <= lengths.count, "parser \(p): error line \(e.line) out of order or range (\(e))")
            require(e.column >= 1 && e.column <= lengths[e.line - 1] + 1,
                    "parser \(p): error column \(e.column) outside line \(e.line) of \(lengths[e.line - 1]) bytes (\(e))")
            previousLine = e.line
        }

        // The same input parsed in one piece gives the same records and errors.
        var whole: [LogRecord] = []
        var wholeErrors: [LineError] = []
        let (consumed, lines) = parser.parseChunk(buf, firstLineNumber: 1, isFinal: true, into: &whole, errors: &wholeErrors)
        require(consumed == size && lines == lengths.count, "parser \(p): parseChunk consumed \(consumed)/\(size) bytes, \(lines)/\(lengths.count) lines")
        require(whole.count == records.count && zip(whole, records).allSatisfy { exactlyIdentical($0, $1) },
                "parser \(p): split at \(split) changes the records (\(records.count) vs \(whole.count) in one piece)")
        let splitErrors = errors
        require(wholeErrors == splitErrors, "parser \(p): split at \(split) changes the errors:\n  split \(errors)\n  whole \(wholeErrors)")

        // Every ingested record survives the WAL row encoding and a block.
        for (i, r) in records.enumerated() {
            if let id = r.correlationID {
                require(!id.isEmpty && id.utf8.count <= RecordLimits.maxCorrelationIDBytes, "parser \(p): record \(i) has correlation ID of \(id.utf8.count) bytes")
            }
            var w = ByteWriter()
            RowCodec.encode(r, into: &w)
            let back = w.bytes.withUnsafeBytes { row -> LogRecord? in
                var reader = ByteReader(row)
                guard let d = try? RowCodec.decode(&reader, sequence: r.sequence), reader.isAtEnd else { return nil }
                return d
            }
            require(back.map { exactlyIdentical($0, r) } == true, "parser \(p): record \(i) does not survive the row encoding: \(r)")
        }
        if !records.isEmpty {
            var stored = records
            for i in stored.indices { stored[i].sequence = UInt64(i + 1) }
            stored.sort(by: storeOrdered)
            checkBlockRoundTrip(stored, context: "FuzzNDJSON parser \(p)")
        }
    }
    return 0
}

fuzzMain { fuzzOne($0, $1) }
