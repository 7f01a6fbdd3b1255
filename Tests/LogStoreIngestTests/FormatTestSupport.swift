import LogStoreFormat
@testable import LogStoreIngest

/// The attributes of a record by key (the first of equal keys).
func attributes(_ record: LogRecord) -> [String: AttributeValue] {
    var out: [String: AttributeValue] = [:]
    for a in record.attributes where out[a.key] == nil { out[a.key] = a.value }
    return out
}

/// The records of `lines` in `format`, with the fixed clock, and the stream's statistics.
func parsed(_ lines: [String], format: LineFormat, chunk: Int = 1 << 20,
            configure: (inout LineParserOptions) -> Void = { _ in }) -> (records: [LogRecord], errors: [LineError], stats: LineStatistics) {
    var options = fixedOptions(source: "test.log")
    configure(&options)
    return stream(lines.map { $0 + "\n" }.joined(), format: format, chunk: chunk, options: options)
}
