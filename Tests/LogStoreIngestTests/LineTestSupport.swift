import Foundation
import LogStoreFormat
@testable import LogStoreIngest

/// Options with a fixed clock (2026-11-22T20:02:33Z) so that ingestion times and syslog years are stable.
func fixedOptions(source: String = "") -> LineParserOptions {
    var options = LineParserOptions()
    options.now = { referenceNanos }
    options.source = source
    return options
}

/// Runs `text` through a ``LineRecordStream`` in chunks of `chunk` bytes.
func stream(_ text: String, format: LineFormat, chunk: Int = 1 << 20,
            options: LineParserOptions = fixedOptions()) -> (records: [LogRecord], errors: [LineError], stats: LineStatistics) {
    var s = LineRecordStream(format: format, options: options)
    var records: [LogRecord] = []
    var errors: [LineError] = []
    let bytes = Array(text.utf8)
    var at = 0
    while at < bytes.count {
        let end = min(at + chunk, bytes.count)
        bytes[at..<end].withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        at = end
    }
    s.finish(into: &records, errors: &errors)
    return (records, errors, s.statistics)
}

/// Nanoseconds of an RFC 3339 time, for expectations.
func ns(_ rfc3339: String) -> Int64 { TimestampParser.parseRFC3339(rfc3339) ?? -1 }

/// The loghub corpora beside the repository (`../shared/corpora/loghub`), or nil in a fresh clone.
let loghubDirectory: URL? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.deletingLastPathComponent().appendingPathComponent("shared/corpora/loghub")
    return FileManager.default.fileExists(atPath: dir.path) ? dir : nil
}()
