import LogStoreFormat

/// Parses lines with a user's ``LinePattern``. A line the pattern does not match is kept as plain text
/// (counted as `pattern did not match`).
struct PatternLineParser {
    let pattern: LinePattern
    let options: LineParserOptions

    func parse(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64) -> FormatOutcome {
        let line = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        let match: Regex<AnyRegexOutput>.Match?
        do {
            match = try pattern.regex.firstMatch(in: line)
        } catch {
            return .text(reason: "pattern failed: \(error)")
        }
        guard let match else { return .text(reason: "pattern did not match") }
        var timestamp: Int64?
        var level: LogLevel?
        var message: String?
        var source: String?
        var correlationID: String?
        var attributes: [Attribute] = []
        for element in match.output {
            guard let name = element.name, let value = element.substring else { continue }
            switch name {
            case "timestamp", "time", "ts":
                if let layout = pattern.timestampLayout {
                    guard let ns = layout.parse(value, reference: options.yearReference ?? now) else {
                        return .text(reason: "timestamp does not fit --timestamp-layout")
                    }
                    timestamp = ns
                } else {
                    var text = String(value)
                    let ns = text.withUTF8 { b in
                        b.baseAddress.flatMap { TimestampParser.parseTimestamp($0, count: b.count)
                            ?? TextTimestamp.detect($0, count: b.count, reference: options.yearReference ?? now)?.nanoseconds }
                    }
                    guard let ns else { return .text(reason: "timestamp capture is not a time") }
                    timestamp = ns
                }
            case "level", "severity":
                if let named = LogLevel(name: value) { level = named }
                else if let number = Int64(value), let severity = LevelMatching.syslogLevel(number) { level = severity }
                else { attributes.append(Attribute(name, .string(String(value)))) }
            case "message", "msg": message = String(value)
            case "source", "service", "logger": source = String(value)
            case "correlation", "correlation_id", "trace_id", "request_id":
                if !value.isEmpty, value.utf8.count <= RecordLimits.maxCorrelationIDBytes { correlationID = String(value) }
            default:
                let pair = LogfmtScanner.Pair(key: name, value: String(value), quoted: false, column: 0)
                attributes.append(Attribute(name, LogfmtParser.typedValue(pair)))
            }
        }
        let record = LogRecord(timestamp: timestamp ?? now, level: level ?? .info, source: source ?? options.source,
                               correlationID: correlationID, message: message ?? line, attributes: attributes)
        return .record(.init(record, timestamp: timestamp != nil, level: level != nil))
    }
}
