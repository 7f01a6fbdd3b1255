import LogStoreFormat

/// Parses Apache and nginx error logs:
///
/// ```
/// [Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 123:tid 456] [client 1.2.3.4:5678] AH00126: msg
/// [Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] Directory index forbidden by rule: /var/www/
/// 2024/01/02 03:04:05 [error] 123#456: *7 open() failed, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"
/// ```
///
/// - timestamp: the leading time (Apache's bracketed one, nginx's `yyyy/MM/dd HH:mm:ss`, taken as UTC);
/// - level: the bracketed level (`emerg`, `alert`, `crit` → critical, `error`, `warn`, `notice`, `info`,
///   `debug`, `trace1`–`trace8` → trace);
/// - attributes: `module` (Apache 2.4), `pid` and `tid` as integers, `client`, `code` (Apache's
///   `AH00126`), `connection` (nginx's `*7`, an integer), and nginx's trailing `, key: value` pairs
///   (`client`, `server`, `request`, `upstream`, `host`, `referrer`);
/// - message: the rest; source: ``LineParserOptions/source``.
struct ErrorLogParser {
    var options: LineParserOptions

    func parse(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64) -> FormatOutcome {
        var c = ByteCursor(p, count: n)
        if c.current == UInt8(ascii: "[") { return apache(&c, now: now) }
        return nginx(&c, now: now)
    }

    static func level(_ text: String) -> LogLevel? {
        if text.hasPrefix("trace"), text.count == 6, text.last?.isNumber == true { return .trace }
        return LogLevel(name: text)
    }

    private func apache(_ c: inout ByteCursor, now: Int64) -> FormatOutcome {
        let scan = c.scan(reference: now)
        guard let (timestamp, end) = scan.syslog(at: 1), scan.byte(end) == UInt8(ascii: "]") else {
            return .text(reason: "no [time] at the start of the error log line")
        }
        c.i = end + 1
        c.skipSpaces()
        guard c.expect(UInt8(ascii: "[")), let bracket = c.take(until: UInt8(ascii: "]")) else {
            return .text(reason: "no [level] after the time")
        }
        c.i += 1
        let inside = c.string(bracket)
        var attributes: [Attribute] = []
        let levelName: Substring
        if let colon = inside.lastIndex(of: ":") {
            attributes.append(Attribute("module", .string(String(inside[..<colon]))))
            levelName = inside[inside.index(after: colon)...]
        } else {
            levelName = inside[...]
        }
        guard let level = Self.level(String(levelName)) else { return .text(reason: "unknown level in error log line") }
        c.skipSpaces()
        // Optional [pid N:tid M] and [client ADDR].
        while c.current == UInt8(ascii: "[") {
            let save = c.i
            c.i += 1
            if c.expect("pid ") {
                guard let pid = c.takeInt() else { c.i = save; break }
                attributes.append(Attribute("pid", .int(pid)))
                if c.expect(":tid "), let tid = c.takeInt() { attributes.append(Attribute("tid", .int(tid))) }
                guard c.take(until: UInt8(ascii: "]")) != nil else { c.i = save; break }
                c.i += 1
            } else if c.expect("client ") {
                guard let addr = c.take(until: UInt8(ascii: "]")) else { c.i = save; break }
                attributes.append(Attribute("client", .string(c.string(addr))))
                c.i += 1
            } else {
                c.i = save
                break
            }
            c.skipSpaces()
        }
        // Apache 2.4 error codes: AH00126:
        if c.peek(0) == UInt8(ascii: "A"), c.peek(1) == UInt8(ascii: "H"), c.peek(7) == UInt8(ascii: ":"),
           c.isDigits(c.i + 2..<min(c.i + 7, c.n)) {
            attributes.append(Attribute("code", .string(c.string(c.i..<c.i + 7))))
            c.i += 8
            c.skipSpaces()
        }
        let record = LogRecord(timestamp: timestamp, level: level, source: options.source, correlationID: nil,
                               message: c.string(c.takeRest()), attributes: attributes)
        return .record(.init(record, timestamp: true, level: true))
    }

    private func nginx(_ c: inout ByteCursor, now: Int64) -> FormatOutcome {
        guard c.peek(4) == UInt8(ascii: "/"), let (timestamp, end) = c.scan(reference: now).iso(at: 0) else {
            return .text(reason: "no time or [ at the start of the error log line")
        }
        c.i = end
        c.skipSpaces()
        guard c.expect(UInt8(ascii: "[")), let bracket = c.take(until: UInt8(ascii: "]")),
              let level = Self.level(c.string(bracket)) else {
            return .text(reason: "no [level] after the time")
        }
        c.i += 1
        c.skipSpaces()
        var attributes: [Attribute] = []
        let save = c.i
        if let pid = c.takeInt(), c.expect(UInt8(ascii: "#")), let tid = c.takeInt(), c.expect(UInt8(ascii: ":")) {
            attributes.append(Attribute("pid", .int(pid)))
            attributes.append(Attribute("tid", .int(tid)))
            c.skipSpaces()
        } else {
            c.i = save
        }
        if c.current == UInt8(ascii: "*") {
            let star = c.i
            c.i += 1
            if let connection = c.takeInt() {
                attributes.append(Attribute("connection", .int(connection)))
                c.skipSpaces()
            } else {
                c.i = star
            }
        }
        var message = c.string(c.takeRest())
        Self.cutContext(&message, into: &attributes)
        let record = LogRecord(timestamp: timestamp, level: level, source: options.source, correlationID: nil,
                               message: message, attributes: attributes)
        return .record(.init(record, timestamp: true, level: true))
    }

    static let contextKeys = ["client", "server", "request", "upstream", "host", "referrer"]

    /// Moves nginx's trailing `, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"` into attributes.
    static func cutContext(_ message: inout String, into attributes: inout [Attribute]) {
        guard let start = message.firstRange(of: ", client: ") else { return }
        let tail = message[start.lowerBound...]
        var pairs: [Attribute] = []
        var rest = tail[...]
        while rest.hasPrefix(", ") {
            rest = rest.dropFirst(2)
            guard let colon = rest.firstRange(of: ": ") else { return }
            let key = String(rest[..<colon.lowerBound])
            guard contextKeys.contains(key) else { return }
            rest = rest[colon.upperBound...]
            var value: Substring
            if rest.first == "\"" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "\"") else { return }
                value = body[..<close]
                rest = body[body.index(after: close)...]
            } else {
                let stop = rest.firstRange(of: ", ")?.lowerBound ?? rest.endIndex
                value = rest[..<stop]
                rest = rest[stop...]
            }
            pairs.append(Attribute(key, .string(String(value))))
        }
        guard rest.isEmpty else { return }
        attributes += pairs
        message = String(message[..<start.lowerBound])
    }
}
