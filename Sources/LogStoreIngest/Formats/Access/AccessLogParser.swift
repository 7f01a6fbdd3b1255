import LogStoreFormat

/// Parses Apache/nginx access logs in the common and combined formats:
///
/// ```
/// 127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/5.0"
/// ```
///
/// - timestamp: the `[dd/MMM/yyyy:HH:mm:ss ±hhmm]` field; level: from the status, 5xx `error`, 4xx
///   `warning`, else `info`; source: ``LineParserOptions/source``; message: the request line as written.
/// - attributes, in this order, each left out when the field is `-`: `client` (IPv4, IPv6 or a host
///   name), `ident`, `user`, `method`, `path`, `protocol` (a request line that is not `METHOD PATH
///   PROTOCOL` is kept whole as `request`), `status` and `bytes` as integers, then in the combined format
///   `referer` and `user_agent` (escapes such as `\"` decoded; a user agent whose closing quote is
///   missing runs to the end of the line).
/// - after them, `key=value` pairs (nginx formats often append `rt=$request_time request_id=$request_id`)
///   become attributes typed as in logfmt; `request_id`, `correlation_id` and `trace_id` give the
///   correlation ID. Any other trailing field is kept as `extra`.
///
/// The fields are handed to a ``RecordSink`` as byte ranges of the line, so the row output
/// (``RowSink``) builds no `String` per field; the `LogRecord` output (``LogRecordSink``) is the same
/// record.
struct AccessLogParser {
    var options: LineParserOptions
    /// ``LineParserOptions/source`` as bytes, the source of every record.
    private let sourceBytes: [UInt8]

    init(options: LineParserOptions) {
        self.options = options
        sourceBytes = Array(options.source.utf8)
    }

    /// The line as a `LogRecord`, or the reason it is kept as text.
    func parse(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64) -> FormatOutcome {
        var sink = LogRecordSink()
        sink.beginLine()
        if case .text(let reason) = parse(p, count: n, now: now, into: &sink) { return .text(reason: reason) }
        guard let record = sink.records.last else { return .text(reason: "not an access log line") }
        return .record(.init(record, timestamp: true, level: true))
    }

    /// Hands the record of the line to `sink` (ending with `endLine()`; timestamp and level always
    /// detected), or returns the reason the line is kept as text, having possibly started a record the
    /// sink's next `beginLine()` drops. Call `beginLine()` before.
    func parse<Sink: RecordSink>(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64, into sink: inout Sink) -> SinkOutcome {
        var c = ByteCursor(p, count: n)
        let client = c.takeToken()
        guard !client.isEmpty, c.skipSpaces() > 0 else { return .text(reason: "not an access log line") }
        let ident = c.takeToken()
        guard c.skipSpaces() > 0 else { return .text(reason: "not an access log line") }
        let user = c.takeToken()
        guard c.skipSpaces() > 0, c.current == UInt8(ascii: "[") else { return .text(reason: "no [time] in access log line") }
        guard let timestamp = c.scan(reference: now).commonLogFormat(at: c.i + 1), c.take(until: UInt8(ascii: "]")) != nil else {
            return .text(reason: "bad [time] in access log line")
        }
        c.i += 1
        c.skipSpaces()
        guard let (request, escaped) = c.takeQuoted() else { return .text(reason: "no quoted request in access log line") }
        c.skipSpaces()
        guard let status = c.takeInt(), (100...999).contains(status), c.current == 0x20 || c.atEnd else {
            return .text(reason: "no status in access log line")
        }
        c.skipSpaces()
        let bytesField = c.takeToken()
        var bytes: Int64?
        if !c.isDash(bytesField) {
            var b = ByteCursor(p, count: bytesField.upperBound, at: bytesField.lowerBound)
            guard let value = b.takeInt(), b.atEnd, value >= 0 else { return .text(reason: "bytes field is not a number") }
            bytes = value
        }
        if !c.isDash(client) { sink.attribute("client", c.bytes(client)) }
        if !c.isDash(ident) { sink.attribute("ident", c.bytes(ident)) }
        if !c.isDash(user) { sink.attribute("user", c.bytes(user)) }
        // The request line, decoded when it holds escapes: the message, and method, path and protocol.
        let decodedRequest = escaped ? c.unescapedBytes(request) : []
        return decodedRequest.withUnsafeBufferPointer { decoded in
            let requestText = escaped ? decoded : c.bytes(request)
            if let (method, path, proto) = Self.requestParts(requestText) {
                sink.attribute("method", UnsafeBufferPointer(rebasing: requestText[method]))
                sink.attribute("path", UnsafeBufferPointer(rebasing: requestText[path]))
                sink.attribute("protocol", UnsafeBufferPointer(rebasing: requestText[proto]))
            } else if !requestText.isEmpty, !(requestText.count == 1 && requestText[0] == UInt8(ascii: "-")) {
                sink.attribute("request", requestText)
            }
            sink.attribute("status", int: status)
            if let bytes { sink.attribute("bytes", int: bytes) }
            c.skipSpaces()
            // Combined: "referer" "user agent".
            if c.current == UInt8(ascii: "\"") {
                guard let (referer, refererEscaped) = c.takeQuoted() else { return .text(reason: "unterminated referer in access log line") }
                c.skipSpaces()
                guard c.current == UInt8(ascii: "\"") else { return .text(reason: "no quoted user agent after the referer") }
                // A user agent cut short (no closing quote: seen in real logs) runs to the end of the line.
                let (agent, agentEscaped) = c.takeQuoted() ?? (c.i + 1..<c.n, c.contains(UInt8(ascii: "\\"), in: c.i + 1..<c.n))
                if agent.upperBound == c.n, c.i < c.n { c.i = c.n }
                if !c.isDash(referer) { sink.attribute("referer", of: c, referer, escaped: refererEscaped) }
                if !c.isDash(agent) { sink.attribute("user_agent", of: c, agent, escaped: agentEscaped) }
                c.skipSpaces()
            }
            let correlationID = trailingFields(&c, into: &sink)
            let level: LogLevel = status >= 500 ? .error : status >= 400 ? .warning : .info
            sink.header(timestamp: timestamp, level: level)
            sourceBytes.withUnsafeBufferPointer { sink.text(.source, $0) }
            if let correlationID { sink.text(.correlationID, c.bytes(correlationID)) } else { sink.text(.correlationID, .empty) }
            sink.text(.message, requestText)
            sink.endLine()
            return .record(timestamp: true, level: true)
        }
    }

    /// `METHOD PATH PROTOCOL` in `request`: exactly two single spaces, method and path not empty; the
    /// three ranges, as offsets into `request`.
    static func requestParts(_ request: UnsafeBufferPointer<UInt8>) -> (Range<Int>, Range<Int>, Range<Int>)? {
        var first = -1, second = -1
        for k in request.indices where request[k] == 0x20 {
            if first < 0 { first = k } else if second < 0 { second = k } else { return nil }
        }
        guard first > 0, second > first + 1 else { return nil }
        return (0..<first, first + 1..<second, second + 1..<request.count)
    }

    /// `key=value` pairs and other fields after the standard ones, handed to `sink`; returns the range of
    /// the correlation ID found.
    private func trailingFields<Sink: RecordSink>(_ c: inout ByteCursor, into sink: inout Sink) -> Range<Int>? {
        var correlationID: Range<Int>?
        var extra: [UInt8] = []
        func addExtra(_ bytes: some Sequence<UInt8>) {
            if !extra.isEmpty { extra.append(0x20) }
            extra.append(contentsOf: bytes)
        }
        while !c.atEnd {
            if c.current == UInt8(ascii: "\"") {
                guard let (range, escaped) = c.takeQuoted() else { addExtra(c.bytes(c.takeRest())); break }
                if !c.isDash(range) { addExtra(escaped ? c.unescapedBytes(range) : Array(c.bytes(range))) }
            } else {
                let token = c.takeToken()
                if let eq = (token.lowerBound..<token.upperBound).first(where: { c.p[$0] == UInt8(ascii: "=") }), eq > token.lowerBound {
                    let key = token.lowerBound..<eq
                    var valueRange = eq + 1..<token.upperBound
                    var quoted = false
                    if eq + 1 < token.upperBound, c.p[eq + 1] == UInt8(ascii: "\"") {
                        var q = ByteCursor(c.p, count: c.n, at: eq + 1)
                        if let (r, _) = q.takeQuoted() { valueRange = r; quoted = true; c.i = q.i }
                    }
                    if c.isDash(valueRange) {
                        // A missing value.
                    } else if Self.isCorrelationKey(c.bytes(key)), correlationID == nil, !valueRange.isEmpty,
                              valueRange.count <= RecordLimits.maxCorrelationIDBytes {
                        correlationID = valueRange
                    } else {
                        let pair = LogfmtScanner.Pair(key: c.string(key), value: c.string(valueRange), quoted: quoted, column: 0)
                        sink.attribute(c.bytes(key), LogfmtParser.typedValue(pair))
                    }
                } else if !c.isDash(token) {
                    addExtra(c.bytes(token))
                }
            }
            c.skipSpaces()
        }
        if !extra.isEmpty { extra.withUnsafeBufferPointer { sink.attribute("extra", $0) } }
        return correlationID
    }

    /// `request_id`, `correlation_id` or `trace_id`.
    private static func isCorrelationKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        func equals(_ literal: StaticString) -> Bool {
            key.count == literal.utf8CodeUnitCount && key.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: key.count))
        }
        return equals("request_id") || equals("correlation_id") || equals("trace_id")
    }
}
