import LogStoreFormat

/// What a format parser made of one line: a record, or the reason the line is kept as plain text.
///
/// A line that does not fit its format is never dropped: ``LineRecordStream`` stores it as a plain-text
/// record (timestamp and level detected as in the text format) and counts it under the reason in
/// ``LineStatistics/unmatched``.
enum FormatOutcome {
    /// The line became a record.
    case record(TextLineParser.Parsed)
    /// The line does not fit the format, for the reason given (a short phrase used as a counter key,
    /// like `"no [time] after the user"`).
    case text(reason: String)
}

/// What a format parser that hands its fields to a ``RecordSink`` made of one line: a record (ended in the
/// sink) and what was detected in it, or the reason the line is kept as plain text (as in ``FormatOutcome``).
enum SinkOutcome {
    case record(timestamp: Bool, level: Bool)
    case text(reason: String)
}

/// A format parser that hands the fields of a line to a ``RecordSink`` (the row output of
/// ``LineRecordStream`` encodes its rows straight from the line's bytes).
protocol SinkParser {
    /// Hands the record of the line to `sink` (ending with `endLine()`), or returns the reason the line
    /// is kept as text, having possibly started a record the sink's next `beginLine()` drops. Call
    /// `beginLine()` before.
    func parse<Sink: RecordSink>(_ p: UnsafePointer<UInt8>, count n: Int, now: Int64, into sink: inout Sink) -> SinkOutcome
}

extension AccessLogParser: SinkParser {}
extension SyslogParser: SinkParser {}

extension TextLineParser.Parsed {
    init(_ record: LogRecord, timestamp: Bool, level: Bool) {
        self.init(record: record, timestampDetected: timestamp, levelDetected: level)
    }
}
