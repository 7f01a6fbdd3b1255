import LogStore
import LogStoreIngest

// The line-format examples of README.md ("Line formats") and of the doc comments, line for line
// (scripts/check-examples.py checks that they stay so). Compiled with the tests, never called.

/// README.md, "Line formats".
func lineFormatsReadmeExample(containerID: String, chunk: UnsafeRawBufferPointer) {
    var options = LineParserOptions()
    options.path = "/var/log/containers/web-1_shop_nginx-\(containerID).log"   // Kubernetes metadata
    var stream = LineRecordStream(format: .auto, options: options)
    var records: [LogRecord] = []
    var errors: [LineError] = []
    stream.feed(chunk, into: &records, errors: &errors)      // as the bytes arrive
    stream.finish(into: &records, errors: &errors)
    print(stream.statistics.detection?.format ?? .text, stream.statistics.unmatched)
}

/// Sources/LogStoreIngest/Formats/Pattern/LinePattern.swift
func linePatternDocExample() throws {
    var options = LineParserOptions()
    options.pattern = try LinePattern(#"^(?<timestamp>\S+ \S+) (?<level>\w+) \[(?<thread>[^\]]+)\] (?<message>.*)$"#,
                                      timestampLayout: "%Y-%m-%d %H:%M:%S")
    var stream = LineRecordStream(format: .pattern, options: options)
    _ = stream
}
