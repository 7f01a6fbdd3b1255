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
struct AccessLogParser {
    var options: LineParserOptions

    func parse(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64) -> FormatOutcome {
        var c = ByteCursor(p, count: n)
        var attributes: [Attribute] = []
        attributes.reserveCapacity(12)
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
        func add(_ key: String, _ range: Range<Int>) {
            if !c.isDash(range) { attributes.append(Attribute(key, .string(c.string(range)))) }
        }
        add("client", client)
        add("ident", ident)
        add("user", user)
        let requestText = escaped ? c.unescaped(request) : c.string(request)
        if !escaped, let (method, path, proto) = Self.requestParts(c, request) {
            attributes.append(Attribute("method", .string(c.string(method))))
            attributes.append(Attribute("path", .string(c.string(path))))
            attributes.append(Attribute("protocol", .string(c.string(proto))))
        } else if escaped, case let parts = requestText.split(separator: " ", omittingEmptySubsequences: false),
                  parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty {
            attributes.append(Attribute("method", .string(String(parts[0]))))
            attributes.append(Attribute("path", .string(String(parts[1]))))
            attributes.append(Attribute("protocol", .string(String(parts[2]))))
        } else if requestText != "-" && !requestText.isEmpty {
            attributes.append(Attribute("request", .string(requestText)))
        }
        attributes.append(Attribute("status", .int(status)))
        if let bytes { attributes.append(Attribute("bytes", .int(bytes))) }
        c.skipSpaces()
        // Combined: "referer" "user agent".
        if c.current == UInt8(ascii: "\"") {
            guard let (referer, refererEscaped) = c.takeQuoted() else { return .text(reason: "unterminated referer in access log line") }
            c.skipSpaces()
            guard c.current == UInt8(ascii: "\"") else { return .text(reason: "no quoted user agent after the referer") }
            // A user agent cut short (no closing quote: seen in real logs) runs to the end of the line.
            let (agent, agentEscaped) = c.takeQuoted() ?? (c.i + 1..<c.n, c.string(c.i + 1..<c.n).contains("\\"))
            if agent.upperBound == c.n, c.i < c.n { c.i = c.n }
            if !c.isDash(referer) {
                attributes.append(Attribute("referer", .string(refererEscaped ? c.unescaped(referer) : c.string(referer))))
            }
            if !c.isDash(agent) {
                attributes.append(Attribute("user_agent", .string(agentEscaped ? c.unescaped(agent) : c.string(agent))))
            }
            c.skipSpaces()
        }
        let correlationID = trailingFields(&c, into: &attributes)
        let level: LogLevel = status >= 500 ? .error : status >= 400 ? .warning : .info
        let record = LogRecord(timestamp: timestamp, level: level, source: options.source, correlationID: correlationID,
                               message: requestText, attributes: attributes)
        return .record(.init(record, timestamp: true, level: true))
    }

    /// `METHOD PATH PROTOCOL` within `request`: exactly two single spaces, method and path not empty.
    static func requestParts(_ c: ByteCursor, _ request: Range<Int>) -> (Range<Int>, Range<Int>, Range<Int>)? {
        var first = -1, second = -1
        for k in request where c.p[k] == 0x20 {
            if first < 0 { first = k } else if second < 0 { second = k } else { return nil }
        }
        guard first > request.lowerBound, second > first + 1 else { return nil }
        return (request.lowerBound..<first, first + 1..<second, second + 1..<request.upperBound)
    }

    /// `key=value` pairs and other fields after the standard ones; returns the correlation ID found.
    private func trailingFields(_ c: inout ByteCursor, into attributes: inout [Attribute]) -> String? {
        var correlationID: String?
        var extra: [String] = []
        while !c.atEnd {
            if c.current == UInt8(ascii: "\"") {
                guard let (range, escaped) = c.takeQuoted() else { extra.append(c.string(c.takeRest())); break }
                if !c.isDash(range) { extra.append(escaped ? c.unescaped(range) : c.string(range)) }
            } else {
                let token = c.takeToken()
                if let eq = (token.lowerBound..<token.upperBound).first(where: { c.p[$0] == UInt8(ascii: "=") }), eq > token.lowerBound {
                    let key = c.string(token.lowerBound..<eq)
                    var valueRange = eq + 1..<token.upperBound
                    var quoted = false
                    if eq + 1 < token.upperBound, c.p[eq + 1] == UInt8(ascii: "\"") {
                        var q = ByteCursor(c.p, count: c.n, at: eq + 1)
                        if let (r, _) = q.takeQuoted() { valueRange = r; quoted = true; c.i = q.i }
                    }
                    let value = c.string(valueRange)
                    if ["request_id", "correlation_id", "trace_id"].contains(key), correlationID == nil, !c.isDash(valueRange),
                       !value.isEmpty, value.utf8.count <= RecordLimits.maxCorrelationIDBytes {
                        correlationID = value
                    } else if !c.isDash(valueRange) {
                        let pair = LogfmtScanner.Pair(key: key, value: value, quoted: quoted, column: 0)
                        attributes.append(Attribute(key, LogfmtParser.typedValue(pair)))
                    }
                } else if !c.isDash(token) {
                    extra.append(c.string(token))
                }
            }
            c.skipSpaces()
        }
        if !extra.isEmpty { attributes.append(Attribute("extra", .string(extra.joined(separator: " ")))) }
        return correlationID
    }
}
