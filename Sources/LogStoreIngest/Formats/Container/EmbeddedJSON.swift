import LogStoreFormat

/// A JSON object written as a log message (an application logging JSON to a container's stdout),
/// mapped like an NDJSON line (``NDJSONParser``): its timestamp, level, source, correlation ID and
/// message keys give those fields, every other member an attribute.
enum EmbeddedJSON {
    struct Parsed {
        var record: LogRecord
        var hadTimestamp: Bool
        var hadLevel: Bool
        var hadSource: Bool
    }

    /// The record of `text` when it is one JSON object (surrounding spaces allowed), with
    /// `fallbackTimestamp` when it names no time; nil when it is not an object or fails to parse.
    static func parse(_ text: String, fallbackTimestamp: Int64, maxDepth: Int = 32) -> Parsed? {
        guard text.utf8.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "{") else { return nil }
        var text = text
        return text.withUTF8 { buffer -> Parsed? in
            guard let base = buffer.baseAddress else { return nil }
            var parser = RecordParser(sink: LogRecordSink(), maxDepth: maxDepth)
            parser.fallbackTimestamp = fallbackTimestamp
            do {
                try parser.parse(base, count: buffer.count)
            } catch {
                return nil
            }
            guard let record = parser.sink.records.last else { return nil }
            return Parsed(record: record, hadTimestamp: parser.slots.timestamp != nil,
                          hadLevel: parser.slots.level != nil, hadSource: parser.slots.source != nil)
        }
    }
}
