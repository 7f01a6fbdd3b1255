import LogStoreFormat

/// The parser of one structured format, made once per stream.
enum FormatParsers {
    case access(AccessLogParser)
    case errorLog(ErrorLogParser)
    case syslog(SyslogParser)
    case container(ContainerLogParser)
    case pattern(PatternLineParser)
    /// `pattern` without a ``LineParserOptions/pattern``: every line is kept as text.
    case missingPattern

    init?(_ format: LineFormat, options: LineParserOptions) {
        switch format {
        case .access: self = .access(AccessLogParser(options: options))
        case .errorLog: self = .errorLog(ErrorLogParser(options: options))
        case .syslog: self = .syslog(SyslogParser(options: options))
        case .docker: self = .container(ContainerLogParser(runtime: .docker, options: options))
        case .cri: self = .container(ContainerLogParser(runtime: .cri, options: options))
        case .pattern:
            if let pattern = options.pattern { self = .pattern(PatternLineParser(pattern: pattern, options: options)) }
            else { self = .missingPattern }
        case .ndjson, .logfmt, .text, .auto: return nil
        }
    }
}

extension LineRecordStream {
    /// One line of a structured format: a record, a piece of a container message, or a line kept as
    /// plain text (counted per reason).
    mutating func structured(_ line: UnsafeRawBufferPointer, number: Int, start: Int, now: Int64,
                             emit: (LogRecord) -> Void, errors: (LineError) -> Void) {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        if let bad = UTF8Validation.firstInvalidOffset(base, count: line.count) {
            statistics.errors += 1
            errors(LineError(line: number, column: bad + 1, reason: "invalid UTF-8 at column \(bad + 1)"))
            return
        }
        let outcome: FormatOutcome
        switch parsers {
        case .access(let parser): outcome = parser.parse(base, count: line.count, now: now)
        case .errorLog(let parser): outcome = parser.parse(base, count: line.count, now: now)
        case .syslog(let parser): outcome = parser.parse(base, count: line.count, now: now)
        case .pattern(let parser): outcome = parser.parse(base, count: line.count, now: now)
        case .missingPattern: outcome = .text(reason: "no --pattern given")
        case .container(let parser):
            switch parser.piece(base, count: line.count) {
            case .failure(let mismatch): outcome = .text(reason: mismatch.reason)
            case .success(let piece):
                for completion in joiner.add(piece, start: start, line: number) {
                    switch completion {
                    case .message(let first, let pieces):
                        statistics.joinedPieces += pieces - 1
                        emitParsed(parser.record(first), emit: emit)
                    case .cut(let first, let pieces):
                        statistics.joinedPieces += pieces - 1
                        statistics.cutMessages += 1
                        emitParsed(parser.record(first), emit: emit)
                    }
                }
                return
            }
        case nil: outcome = .text(reason: "no parser")
        }
        switch outcome {
        case .record(let parsed):
            emitParsed(parsed, emit: emit)
        case .text(let reason):
            statistics.unmatched[reason, default: 0] += 1
            switch TextLineParser(options: options).parse(line, lineNumber: number, now: now) {
            case .success(let parsed): emitParsed(parsed, emit: emit)
            case .failure(let error):
                statistics.errors += 1
                errors(error)
            }
        }
    }

    private mutating func emitParsed(_ parsed: TextLineParser.Parsed, emit: (LogRecord) -> Void) {
        countRecord(parsed)
        emit(parsed.record)
    }

    /// Counts a record and what was detected in it.
    mutating func countRecord(_ parsed: TextLineParser.Parsed) {
        statistics.records += 1
        if parsed.timestampDetected { statistics.timestampsDetected += 1 }
        if parsed.levelDetected { statistics.levelsDetected += 1 }
    }

    /// End of input: container messages whose last piece never came are stored as they are, with the
    /// attribute `partial` = true.
    mutating func finishPieces(emit: (LogRecord) -> Void) {
        guard case .container(let parser) = parsers else { return }
        for (first, pieces) in joiner.finish() {
            statistics.joinedPieces += pieces - 1
            statistics.cutMessages += 1
            var parsed = parser.record(first)
            parsed.record.attributes.append(Attribute("partial", .bool(true)))
            emitParsed(parsed, emit: emit)
        }
    }
}
