import LogStore
import LogStoreFormat

/// The line formats `logstore ingest --format` and the file tailer read.
public enum LineFormat: String, Sendable, CaseIterable {
    /// One JSON object per line (``NDJSONParser``).
    case ndjson
    /// `key=value` pairs per line (``LogfmtParser``).
    case logfmt
    /// Plain text with detected timestamps and levels, stack traces joined (``TextLineParser``).
    case text
    /// Apache/nginx access logs, common and combined formats: client, method, path, status, bytes, …
    case access
    /// Apache (2.2 and 2.4) and nginx error logs: level, pid, tid, client, …
    case errorLog = "error-log"
    /// Syslog: RFC 5424, RFC 3164, and the files rsyslog writes (no `<PRI>`).
    case syslog
    /// Docker json-file container logs (`{"log":…,"stream":…,"time":…}`), split lines joined.
    case docker
    /// CRI container logs (`TIME STREAM P|F MESSAGE`, Kubernetes), `P` pieces joined.
    case cri
    /// Lines matched by ``LineParserOptions/pattern`` (a regular expression with named captures).
    case pattern
    /// Recognised per input from its first lines (``FormatDetector``); plain text when none fits.
    case auto
}

/// Parses input in any ``LineFormat`` arriving in arbitrary chunks (reads of a file, a pipe, a tailer).
///
/// Feed chunks with ``feed(_:into:errors:)``; records and errors come out in input order. A line split
/// across chunks is kept until its end arrives; in the text format the last record is also held back
/// until the next line shows whether it continues it (a stack trace), so call ``finish(into:errors:)``
/// at the end of the input, or ``flushHeldRecord(into:)`` when the input has been idle a while (a tailer).
///
/// The access, error-log, syslog, docker, cri and pattern formats keep a line that does not fit as a
/// plain-text record and count it per reason in ``LineStatistics/unmatched``. In the docker and cri
/// formats a message in pieces is held until its last piece. With `auto` the stream holds the first
/// lines (``FormatDetector/sampleLines``, at most ``FormatDetector/sampleBytes``) until it has chosen
/// the format (at ``finish(into:errors:)`` or ``flushHeldRecord(into:)`` at the latest), then parses
/// them in that format; ``LineStatistics/detection`` says what it chose.
///
/// ``consumedBytes`` is the offset, from the start of the bytes fed, just after the last line that is in
/// an emitted record or error; ``heldBytes`` are the bytes after it. A tailer checkpoints at
/// `consumedBytes` (with ``consumedLineNumber``) and resumes there, with a stream started with
/// `firstLineNumber`, without losing or repeating a record. A line reported as an error while a text
/// record is held lies after the checkpoint, so a resumed stream reports it again.
public struct LineRecordStream: Sendable {
    /// The format asked for (possibly `auto`).
    public let format: LineFormat
    public let options: LineParserOptions
    /// Counts of what the stream produced so far.
    public internal(set) var statistics = LineStatistics()
    /// The format the lines are parsed in: ``format``, or what `auto` chose (nil until it has chosen).
    public private(set) var resolvedFormat: LineFormat?
    /// `auto`: the input held until the format is chosen.
    private var sample: [UInt8] = []
    /// Errors found while ``flushHeldRecord(into:)`` parsed the sample, handed out by the next call
    /// that takes errors.
    var pendingErrors: [LineError] = []
    /// Container formats: messages in pieces.
    var joiner: PartialLineJoiner
    /// The parsers of the structured formats, made once the format is known.
    var parsers: FormatParsers?

    var ndjson: NDJSONStream
    var splitter: LineSplitter
    /// The text record that the next line may continue, the offset of its first line and that line's number.
    private var held: (record: LogRecord, start: Int, line: Int)?
    /// Whether the held record's line started with a detected timestamp: then a line without one
    /// continues it (an exception's first line after the log line that reported it).
    private var heldTimestamped = false
    /// Bytes fed so far.
    public internal(set) var fedBytes = 0

    /// A stream whose first line is numbered `firstLineNumber` (a tailer resuming mid-file passes the
    /// number of the line it resumes at, so that errors name the right line).
    public init(format: LineFormat, options: LineParserOptions = LineParserOptions(), firstLineNumber: Int = 1) {
        self.format = format
        self.options = options
        ndjson = NDJSONStream(parser: NDJSONParser(options: .init(maxRecordBytes: options.maxRecordBytes)),
                              firstLineNumber: firstLineNumber)
        splitter = LineSplitter(maxLineBytes: options.maxRecordBytes, firstLineNumber: firstLineNumber)
        joiner = PartialLineJoiner(maxBytes: options.maxRecordBytes)
        if format != .auto { resolve(format) }
    }

    /// The format lines are parsed in; `.text` while `auto` has not chosen (no line is parsed then).
    var active: LineFormat { resolvedFormat ?? .text }

    private mutating func resolve(_ chosen: LineFormat) {
        resolvedFormat = chosen
        parsers = FormatParsers(chosen, options: options)
    }

    /// `auto`: chooses the format from the sample when it is complete (or `force`), then parses the
    /// sample; does nothing while still collecting.
    private mutating func resolveSample(force: Bool, wholeInput: Bool = true, into records: inout [LogRecord],
                                        errors: inout [LineError]) {
        // The choice looks at the first `sampleLines` lines (at most `sampleBytes`) and nothing after them,
        // however the input was cut into pieces: the same file gets the same format whatever the reads.
        var window = min(sample.count, FormatDetector.sampleBytes)
        var newlines = 0
        for i in 0..<window where sample[i] == 0x0A {
            newlines += 1
            if newlines == FormatDetector.sampleLines { window = i + 1; break }
        }
        let complete = newlines >= FormatDetector.sampleLines || sample.count >= FormatDetector.sampleBytes
        guard force || complete else { return }
        let detection = sample[..<window].withUnsafeBytes {
            FormatDetector.detect($0, isWholeInput: force && wholeInput && !complete, options: options)
        }
        statistics.detection = detection
        resolve(detection.format)
        let held = sample
        sample = []
        held.withUnsafeBytes { feedResolved($0, into: &records, errors: &errors) }
    }

    /// The 1-based number of the next line to be completed.
    public var nextLineNumber: Int { active == .ndjson ? ndjson.nextLineNumber : splitter.nextLineNumber }

    /// The offset (from the start of the bytes fed) just after the last line that is in an emitted
    /// record or error: the bytes before it need never be read again.
    public var consumedBytes: Int {
        if resolvedFormat == nil { return 0 }
        if active == .ndjson { return fedBytes - ndjson.carriedBytes }
        return held?.start ?? joiner.oldest?.start ?? splitter.completedBytes
    }

    /// The number of the line that starts at ``consumedBytes``.
    public var consumedLineNumber: Int { held?.line ?? joiner.oldest?.line ?? nextLineNumber }

    /// Bytes fed that are not yet in an emitted record or error: a partial last line, and in the text
    /// format the lines of the held record and any after it.
    public var heldBytes: Int { fedBytes - consumedBytes }

    /// Parses every line that `bytes` completes.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into records: inout [LogRecord], errors: inout [LineError]) {
        fedBytes += bytes.count
        if !pendingErrors.isEmpty { errors += pendingErrors; pendingErrors = [] }
        if resolvedFormat == nil {
            sample.append(contentsOf: bytes)
            resolveSample(force: false, into: &records, errors: &errors)
            return
        }
        feedResolved(bytes, into: &records, errors: &errors)
    }

    private mutating func feedResolved(_ bytes: UnsafeRawBufferPointer, into records: inout [LogRecord], errors: inout [LineError]) {
        if active == .ndjson {
            let before = (records.count, errors.count)
            ndjson.feed(bytes, into: &records, errors: &errors)
            count(records.count - before.0, errors.count - before.1)
            return
        }
        let now = options.now()
        var lines = takeSplitter()
        defer { splitter = lines }
        lines.feed(bytes) { piece in handle(piece, now: now) { records.append($0) } errors: { errors.append($0) } }
    }

    /// Parses the last line if it had no terminator and emits the held record. Call once at the end.
    public mutating func finish(into records: inout [LogRecord], errors: inout [LineError]) {
        if !pendingErrors.isEmpty { errors += pendingErrors; pendingErrors = [] }
        if resolvedFormat == nil { resolveSample(force: true, into: &records, errors: &errors) }
        if active == .ndjson {
            let before = (records.count, errors.count)
            ndjson.finish(into: &records, errors: &errors)
            count(records.count - before.0, errors.count - before.1)
            return
        }
        let now = options.now()
        var lines = takeSplitter()
        lines.finish { piece in handle(piece, now: now) { records.append($0) } errors: { errors.append($0) } }
        splitter = lines
        finishPieces { records.append($0) }
        flushHeldRecord(into: &records)
    }

    /// Emits the text record held back for possible continuation lines (nothing in other formats).
    /// With `auto` still collecting its sample, chooses the format from the lines in and parses them.
    public mutating func flushHeldRecord(into records: inout [LogRecord]) {
        if resolvedFormat == nil {
            var errors: [LineError] = []
            resolveSample(force: true, wholeInput: false, into: &records, errors: &errors)
            pendingErrors += errors
        }
        if let (record, _, _) = held {
            records.append(record)
            held = nil
        }
    }

    /// Whether a text record is held back for possible continuation lines, or `auto` holds lines while
    /// it collects its sample (both released by ``flushHeldRecord(into:)``).
    public var holdsRecord: Bool { held != nil || (resolvedFormat == nil && !sample.isEmpty) }

    /// The splitter, moved out (leaving an empty one) so that it can call back into `self`.
    mutating func takeSplitter() -> LineSplitter {
        var taken = LineSplitter(maxLineBytes: options.maxRecordBytes)
        swap(&taken, &splitter)
        return taken
    }

    static func encode(_ records: [LogRecord], into rows: inout EncodedRows) {
        for record in records {
            RowCodec.encode(record, into: &rows.bytes)
            rows.endRow()
        }
    }

    mutating func count(_ records: Int, _ errors: Int) {
        statistics.records += records
        statistics.errors += errors
    }

    mutating func handle(_ piece: LineSplitter.Piece, now: Int64,
                                 emit: (LogRecord) -> Void, errors: (LineError) -> Void) {
        switch piece {
        case .tooLong(let number, let bytes, _):
            statistics.errors += 1
            errors(.tooLong(line: number, bytes: bytes, limit: options.maxRecordBytes))
        case .line(let line, let number, let start):
            if NDJSONParser.isBlank(line) { return }
            if active != .text, active != .logfmt {
                structured(line, number: number, start: start, now: now, emit: emit, errors: errors)
                return
            }
            if active == .text, options.joinContinuationLines, held != nil, TextLineParser.isContinuation(line),
               join(line) {
                return
            }
            let result = active == .text
                ? TextLineParser(options: options).parse(line, lineNumber: number, now: now)
                : LogfmtParser(options: options).parse(line, lineNumber: number, now: now)
            switch result {
            case .failure(let error):
                statistics.errors += 1
                errors(error)
            case .success(let parsed):
                if active == .text, options.joinContinuationLines, heldTimestamped, !parsed.timestampDetected, join(line) {
                    return
                }
                statistics.records += 1
                if parsed.timestampDetected { statistics.timestampsDetected += 1 }
                if parsed.levelDetected { statistics.levelsDetected += 1 }
                if active == .text {
                    if let (record, _, _) = held { emit(record) }
                    held = (parsed.record, start, number)
                    heldTimestamped = parsed.timestampDetected
                } else {
                    emit(parsed.record)
                }
            }
        }
    }

    /// Appends a continuation line to the held record; false when it is not valid UTF-8 or the record
    /// would outgrow the size limit (the line then becomes a record of its own).
    private mutating func join(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let (heldRecord, start, number) = held, let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self),
              UTF8Validation.firstInvalidOffset(base, count: line.count) == nil,
              heldRecord.message.utf8.count + heldRecord.source.utf8.count + line.count + 64 <= options.maxRecordBytes
        else { return false }
        var record = heldRecord
        held = nil
        record.message += "\n"
        record.message += String(decoding: UnsafeBufferPointer(start: base, count: line.count), as: UTF8.self)
        held = (record, start, number)
        statistics.joinedLines += 1
        return true
    }
}

extension NDJSONParser {
    static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let base = line.baseAddress, !line.isEmpty else { return true }
        return isBlank(base.assumingMemoryBound(to: UInt8.self), 0, line.count)
    }
}
