import LogStore
import LogStoreFormat

/// The row output (docs/FORMAT.md, 3.4) of ``LineRecordStream`` for `LogStore.append(rows:)`.
///
/// NDJSON and the formats whose parser hands its fields to a ``RecordSink`` (access, syslog) encode each line
/// straight into rows, without a `LogRecord` or a `String` per field; the other formats build records
/// and encode them. Either way the bytes are those of `RowCodec.encode` of the records the record output
/// gives, with the same errors and counts.
extension LineRecordStream {
    /// Like ``feed(_:into:errors:)`` but appends rows in the row encoding for `LogStore.append(rows:)`.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, into rows: inout EncodedRows, errors: inout [LineError]) {
        // `auto` still choosing: only the sample's bytes go through the record output, so that the rest
        // of a large first read takes the row path once the sample has chosen the format.
        if resolvedFormat == nil, bytes.count > FormatDetector.sampleBytes {
            feed(UnsafeRawBufferPointer(rebasing: bytes[..<FormatDetector.sampleBytes]), into: &rows, errors: &errors)
            feed(UnsafeRawBufferPointer(rebasing: bytes[FormatDetector.sampleBytes...]), into: &rows, errors: &errors)
            return
        }
        if resolvedFormat == .ndjson, pendingErrors.isEmpty {
            fedBytes += bytes.count
            let before = (rows.count, errors.count)
            ndjson.feed(bytes, into: &rows, errors: &errors)
            count(rows.count - before.0, errors.count - before.1)
            return
        }
        if pendingErrors.isEmpty {
            switch parsers {
            case .access(let parser):
                fedBytes += bytes.count
                sinkRows(parser, bytes, final: false, into: &rows, errors: &errors)
                return
            case .syslog(let parser):
                fedBytes += bytes.count
                sinkRows(parser, bytes, final: false, into: &rows, errors: &errors)
                return
            default: break
            }
        }
        var records: [LogRecord] = []
        feed(bytes, into: &records, errors: &errors)
        Self.encode(records, into: &rows)
    }

    /// Like ``finish(into:errors:)`` for the row encoding.
    package mutating func finish(into rows: inout EncodedRows, errors: inout [LineError]) {
        if resolvedFormat == .ndjson, pendingErrors.isEmpty {
            let before = (rows.count, errors.count)
            ndjson.finish(into: &rows, errors: &errors)
            count(rows.count - before.0, errors.count - before.1)
            return
        }
        // An access or syslog stream holds no record and no pieces: only an unterminated last line.
        if pendingErrors.isEmpty {
            switch parsers {
            case .access(let parser):
                sinkRows(parser, UnsafeRawBufferPointer(start: nil, count: 0), final: true, into: &rows, errors: &errors)
                return
            case .syslog(let parser):
                sinkRows(parser, UnsafeRawBufferPointer(start: nil, count: 0), final: true, into: &rows, errors: &errors)
                return
            default: break
            }
        }
        var records: [LogRecord] = []
        finish(into: &records, errors: &errors)
        Self.encode(records, into: &rows)
    }

    /// Like ``flushHeldRecord(into:)`` for the row encoding.
    package mutating func flushHeldRecord(into rows: inout EncodedRows) {
        var records: [LogRecord] = []
        flushHeldRecord(into: &records)
        Self.encode(records, into: &rows)
    }

    /// The lines `bytes` completes (and with `final` the unterminated last one) into `rows` through
    /// `parser`, bound once per call (a copy of the parser per line costs retains of its options).
    private mutating func sinkRows<Parser: SinkParser>(_ parser: Parser, _ bytes: UnsafeRawBufferPointer, final: Bool,
                                                       into rows: inout EncodedRows, errors: inout [LineError]) {
        let now = options.now()
        var sink = RowSink(rows: consume rows)
        var lines = takeSplitter()
        if final {
            lines.finish { piece in sinkRow(piece, parser: parser, now: now, into: &sink, errors: &errors) }
        } else {
            lines.feed(bytes) { piece in sinkRow(piece, parser: parser, now: now, into: &sink, errors: &errors) }
        }
        splitter = lines
        sink.release()
        rows = sink.rows
    }

    /// One line of an access log or syslog into `sink`: a record, a line kept as text (counted per
    /// reason), or an error — what ``structured(_:number:start:now:emit:errors:)`` makes of it, as row bytes.
    private mutating func sinkRow<Parser: SinkParser>(_ piece: LineSplitter.Piece, parser: Parser, now: Int64,
                                                      into sink: inout RowSink, errors: inout [LineError]) {
        switch piece {
        case .tooLong(let number, let bytes, _):
            statistics.errors += 1
            errors.append(.tooLong(line: number, bytes: bytes, limit: options.maxRecordBytes))
        case .line(let line, let number, let start):
            guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), !NDJSONParser.isBlank(line) else { return }
            if UTF8Validation.firstInvalidOffset(base, count: line.count) != nil {
                // The record path reports it, with its column.
                structured(line, number: number, start: start, now: now, emit: { _ in }, errors: { errors.append($0) })
                return
            }
            sink.beginLine()
            switch parser.parse(base, count: line.count, now: now, into: &sink) {
            case .record(let timestamp, let level):
                statistics.records += 1
                if timestamp { statistics.timestampsDetected += 1 }
                if level { statistics.levelsDetected += 1 }
            case .text(let reason):
                statistics.unmatched[reason, default: 0] += 1
                switch TextLineParser(options: options).parse(line, lineNumber: number, now: now) {
                case .success(let parsed):
                    countRecord(parsed)
                    RowCodec.encode(parsed.record, into: &sink.rows.bytes)
                    sink.rows.endRow()
                case .failure(let error):
                    statistics.errors += 1
                    errors.append(error)
                }
            }
        }
    }
}

extension LineRecordStream {
    /// Like ``feed(_:into:errors:)`` but appends the row encoding (docs/FORMAT.md, 3.4) of each record to
    /// `rowBytes`, one after another, and returns how many rows it appended: the work `logstore ingest`
    /// does before it stores the rows (for measuring it: `Benchmarks/Sources/ParseBench`).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, appendingRowsTo rowBytes: inout ByteWriter,
                              errors: inout [LineError]) -> Int {
        var rows = EncodedRows()
        swap(&rows.bytes, &rowBytes)
        feed(bytes, into: &rows, errors: &errors)
        swap(&rows.bytes, &rowBytes)
        return rows.count
    }

    /// Like ``finish(into:errors:)`` with the output of ``feed(_:appendingRowsTo:errors:)``.
    public mutating func finish(appendingRowsTo rowBytes: inout ByteWriter, errors: inout [LineError]) -> Int {
        var rows = EncodedRows()
        swap(&rows.bytes, &rowBytes)
        finish(into: &rows, errors: &errors)
        swap(&rows.bytes, &rowBytes)
        return rows.count
    }
}
