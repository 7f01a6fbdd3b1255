import LogStoreFormat

/// Parses syslog lines: RFC 5424, RFC 3164, and the lines rsyslog and syslog-ng write to files (RFC 3164
/// without the `<PRI>`):
///
/// ```
/// <165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3"] msg
/// <34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8
/// Jan  2 03:04:05 host app[123]: msg
/// ```
///
/// - `<PRI>` gives the attributes `facility` (its name: `kern`, `user`, `mail`, `daemon`, `auth`, …,
///   `local7`) and `severity` (`emerg` … `debug`); the severity gives the level (0–2 critical, 3 error,
///   4 warning, 5 notice, 6 info, 7 debug). Without `<PRI>` the level is detected in the message as in
///   the text format.
/// - timestamp: RFC 5424's RFC 3339 time; RFC 3164's `Mmm dd HH:mm:ss` (UTC) gets the year of the
///   reference time (``LineParserOptions/yearReference``, else ``LineParserOptions/now``), or the year
///   before when that would put it more than a day after the reference — a December line read in
///   January belongs to the year before. An RFC 3339 time in place of the 3164 one is accepted too.
/// - `host` (hostname), source (app-name or the 3164 tag; ``LineParserOptions/source`` when there is
///   none), `procid` (an integer when it is one), `msgid`.
/// - RFC 5424 structured data: each parameter becomes the attribute `sd.<SD-ID>.<name>` (`sd.exampleSDID@32473.iut`),
///   a string with `\"`, `\\` and `\]` decoded; an element without parameters gives `sd.<SD-ID>` = true.
/// - message: the rest of the line (a UTF-8 byte order mark at its start dropped).
///
/// The fields go to a ``RecordSink`` as byte ranges of the line, so the row output builds no `String` per
/// field.
struct SyslogParser {
    var options: LineParserOptions
    /// ``LineParserOptions/source`` as bytes.
    private let sourceBytes: [UInt8]

    init(options: LineParserOptions) {
        self.options = options
        sourceBytes = Array(options.source.utf8)
    }

    static let facilities: [StaticString] = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
                                             "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
                                             "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"]
    static let severities: [StaticString] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    /// The line as a `LogRecord`, or the reason it is kept as text.
    func parse(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64) -> FormatOutcome {
        var sink = LogRecordSink()
        sink.beginLine()
        switch parse(p, count: n, now: now, into: &sink) {
        case .text(let reason): return .text(reason: reason)
        case .record(let timestamp, let level):
            guard let record = sink.records.last else { return .text(reason: "no syslog timestamp") }
            return .record(.init(record, timestamp: timestamp, level: level))
        }
    }

    /// Hands the record of the line to `sink` (ending with `endLine()`), or returns the reason the line is
    /// kept as text, having possibly started a record the sink's next `beginLine()` drops. Call
    /// `beginLine()` before.
    func parse<Sink: RecordSink>(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64, into sink: inout Sink) -> SinkOutcome {
        var c = ByteCursor(p, count: n)
        var severity: Int?
        if c.current == UInt8(ascii: "<") {
            c.i += 1
            guard let pri = c.takeInt(), (0...191).contains(pri), c.expect(UInt8(ascii: ">")) else {
                return .text(reason: "bad <PRI> in syslog line")
            }
            severity = Int(pri % 8)
            sink.attribute("facility", Self.facilities[Int(pri / 8)])
            sink.attribute("severity", Self.severities[Int(pri % 8)])
            if c.current == UInt8(ascii: "1"), c.peek(1) == 0x20 {
                c.i += 2
                return rfc5424(&c, severity: severity, into: &sink)
            }
        }
        return rfc3164(&c, severity: severity, now: now, into: &sink)
    }

    private func level(_ severity: Int?, message: Range<Int>, _ c: ByteCursor) -> (LogLevel, Bool) {
        if let severity, let level = LevelMatching.syslogLevel(Int64(severity)) { return (level, true) }
        if let detected = TextLevel.detect(c.p + message.lowerBound, count: message.count, from: 0) { return (detected, true) }
        return (.info, false)
    }

    /// `procid`: an integer when it is one.
    private static func procid<Sink: RecordSink>(_ c: ByteCursor, _ range: Range<Int>, into sink: inout Sink) {
        var q = ByteCursor(c.p, count: range.upperBound, at: range.lowerBound)
        if let pid = q.takeInt(), q.atEnd { sink.attribute("procid", int: pid) } else { sink.attribute("procid", c.bytes(range)) }
    }

    /// The header, source, (no) correlation ID and message of a record, ending it.
    private func finish<Sink: RecordSink>(_ c: ByteCursor, timestamp: Int64, level: LogLevel, source: Range<Int>?,
                                          message: Range<Int>, into sink: inout Sink) {
        sink.header(timestamp: timestamp, level: level)
        if let source { sink.text(.source, c.bytes(source)) } else { sourceBytes.withUnsafeBufferPointer { sink.text(.source, $0) } }
        sink.text(.correlationID, .empty)
        sink.text(.message, c.bytes(message))
        sink.endLine()
    }

    private func rfc5424<Sink: RecordSink>(_ c: inout ByteCursor, severity: Int?, into sink: inout Sink) -> SinkOutcome {
        let time = c.takeToken()
        var timestamp: Int64?
        if !c.isDash(time) {
            guard let ns = TimestampParser.parseRFC3339(c.p + time.lowerBound, count: time.count) else {
                return .text(reason: "bad RFC 5424 timestamp")
            }
            timestamp = ns
        }
        var fields: (Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0)
        for k in 0..<4 {
            guard c.expect(0x20) else { return .text(reason: "RFC 5424 header cut short") }
            let field = c.takeToken()
            guard !field.isEmpty else { return .text(reason: "RFC 5424 header cut short") }
            switch k {
            case 0: fields.0 = field
            case 1: fields.1 = field
            case 2: fields.2 = field
            default: fields.3 = field
            }
        }
        let (host, app, procid, msgid) = fields
        if !c.isDash(host) { sink.attribute("host", c.bytes(host)) }
        if !c.isDash(procid) { Self.procid(c, procid, into: &sink) }
        if !c.isDash(msgid) { sink.attribute("msgid", c.bytes(msgid)) }
        guard c.expect(0x20) else { return .text(reason: "RFC 5424 line without structured data") }
        if c.current == UInt8(ascii: "-") {
            c.i += 1
        } else {
            guard c.current == UInt8(ascii: "[") else { return .text(reason: "RFC 5424 line without structured data") }
            while c.current == UInt8(ascii: "[") {
                guard Self.structuredElement(&c, into: &sink) else { return .text(reason: "bad RFC 5424 structured data") }
            }
        }
        if c.current == 0x20 { c.i += 1 } else if !c.atEnd { return .text(reason: "bad RFC 5424 structured data") }
        if c.peek(0) == 0xEF, c.peek(1) == 0xBB, c.peek(2) == 0xBF { c.i += 3 }
        let message = c.takeRest()
        let (level, levelDetected) = level(severity, message: message, c)
        finish(c, timestamp: timestamp ?? options.now(), level: level, source: c.isDash(app) ? nil : app,
               message: message, into: &sink)
        return .record(timestamp: timestamp != nil, level: levelDetected)
    }

    /// One `[SD-ID name="value" …]` element.
    static func structuredElement<Sink: RecordSink>(_ c: inout ByteCursor, into sink: inout Sink) -> Bool {
        guard c.expect(UInt8(ascii: "[")) else { return false }
        let idStart = c.i
        while !c.atEnd, c.current != 0x20, c.current != UInt8(ascii: "]"), c.current != UInt8(ascii: "=") { c.i += 1 }
        guard c.i > idStart else { return false }
        // The key `sd.ID.name`, built once per element and extended per parameter.
        var key: [UInt8] = Array("sd.".utf8)
        key.append(contentsOf: c.bytes(idStart..<c.i))
        let idEnd = key.count
        var any = false
        while c.current == 0x20 {
            c.i += 1
            let nameStart = c.i
            while !c.atEnd, c.current != UInt8(ascii: "="), c.current != 0x20, c.current != UInt8(ascii: "]") { c.i += 1 }
            guard c.i > nameStart, c.current == UInt8(ascii: "=") else { return false }
            let name = nameStart..<c.i
            c.i += 1
            guard let (value, escaped) = c.takeQuoted() else { return false }
            key.removeSubrange(idEnd...)
            key.append(UInt8(ascii: "."))
            key.append(contentsOf: c.bytes(name))
            key.withUnsafeBufferPointer { sink.attributeKey($0) }
            if escaped {
                c.unescapedBytes(value).withUnsafeBufferPointer { sink.stringValue($0) }
            } else {
                sink.stringValue(c.bytes(value))
            }
            any = true
        }
        guard c.expect(UInt8(ascii: "]")) else { return false }
        if !any {
            key.withUnsafeBufferPointer { sink.attributeKey($0) }
            sink.boolValue(true)
        }
        return true
    }

    private func rfc3164<Sink: RecordSink>(_ c: inout ByteCursor, severity: Int?, now: Int64, into sink: inout Sink) -> SinkOutcome {
        let scan = c.scan(reference: options.yearReference ?? now)
        // rsyslog's high-precision template writes RFC 3339 (with its `T`) in place of `Mmm dd HH:mm:ss`.
        let rfc3339 = scan.byte(c.i + 10) == UInt8(ascii: "T") ? scan.iso(at: c.i) : nil
        guard let (timestamp, end) = scan.syslog(at: c.i) ?? rfc3339, scan.byte(end) == 0x20 else {
            return .text(reason: "no syslog timestamp")
        }
        c.i = end
        c.skipSpaces()
        let host = c.takeToken()
        guard !host.isEmpty, c.skipSpaces() > 0 || c.atEnd else { return .text(reason: "no host name after the syslog timestamp") }
        sink.attribute("host", c.bytes(host))
        // TAG[PID]: — the tag ends at '[', ':' or a space.
        var source: Range<Int>?
        let tagStart = c.i
        while !c.atEnd, c.current != UInt8(ascii: "["), c.current != UInt8(ascii: ":"), c.current != 0x20 { c.i += 1 }
        let tag = tagStart..<c.i
        var pid: Range<Int>?
        if c.current == UInt8(ascii: "[") {
            var q = c
            q.i += 1
            if let r = q.take(until: UInt8(ascii: "]")) {
                pid = r
                c.i = r.upperBound + 1
            }
        }
        if !tag.isEmpty, c.current == UInt8(ascii: ":"), c.peek(1) == 0x20 || c.i + 1 == c.n {
            c.i += 1
            c.skipSpaces()
            source = tag
            if let pid { Self.procid(c, pid, into: &sink) }
        } else {
            c.i = tagStart   // no tag: the message follows the host name
        }
        let message = c.takeRest()
        let (level, levelDetected) = level(severity, message: message, c)
        finish(c, timestamp: timestamp, level: level, source: source, message: message, into: &sink)
        return .record(timestamp: true, level: levelDetected)
    }
}
