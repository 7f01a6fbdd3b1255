import Testing
import LogStoreFormat
@testable import LogStoreIngest

/// Inputs the FuzzFormats target found, each checked the way the target checks it: fed in two pieces,
/// the records and errors equal those of the whole input.
@Suite struct FormatFuzzRegressionTests {
    /// Syslog-like lines, blank lines, a Docker-like JSON line and invalid UTF-8 under `auto`, split at 171.
    static let autoSplit: [UInt8] = [74, 113, 110, 32, 32, 50, 58, 48, 51, 48, 48, 52, 32, 58, 53, 32, 104, 111, 115, 116, 32, 102, 105, 114, 115, 116, 32, 10, 50, 48, 50, 52, 45, 48, 49, 45, 48, 50, 84, 48, 51, 58, 48, 52, 58, 48, 53, 90, 32, 115, 116, 45, 65, 49, 45, 48, 50, 32, 48, 51, 58, 48, 52, 58, 48, 53, 32, 50, 10, 10, 10, 10, 10, 10, 10, 10, 10, 78, 32, 56, 49, 51, 32, 115, 108, 45, 119, 48, 50, 58, 48, 52, 58, 32, 104, 111, 115, 116, 32, 97, 112, 112, 91, 108, 45, 119, 10, 97, 110, 32, 96, 50, 32, 108, 45, 119, 10, 97, 110, 32, 32, 50, 10, 32, 48, 51, 58, 48, 52, 58, 69, 53, 32, 104, 10, 10, 115, 108, 45, 119, 48, 50, 58, 48, 52, 58, 255, 255, 111, 115, 116, 32, 97, 112, 112, 91, 108, 45, 119, 10, 97, 110, 32, 96, 50, 32, 108, 45, 119, 10, 97, 110, 32, 32, 50, 58, 34, 50, 48, 50, 52, 34, 44, 34, 115, 116, 50, 84, 48, 51, 58, 48, 52, 58, 48, 53, 46, 49, 90, 34, 125, 10, 123, 34, 108, 111, 103, 34, 58, 34, 120, 92, 110, 10, 10, 32, 96, 50, 32, 108, 48, 32, 104, 45, 119, 10, 97, 110, 32, 32, 50, 10, 49, 93, 3, 58, 32, 116, 119, 255, 10, 111, 116, 104, 101, 114, 10]

    func run(_ pieces: [ArraySlice<UInt8>], _ format: LineFormat, maxRecordBytes: Int) -> ([LogRecord], [LineError]) {
        var options = LineParserOptions()
        options.maxRecordBytes = maxRecordBytes
        options.now = { 1_795_377_753_000_000_000 }
        options.path = "/var/log/containers/pod-1_ns_app-" + String(repeating: "0f", count: 32) + ".log"
        var stream = LineRecordStream(format: format, options: options)
        var records: [LogRecord] = []
        var errors: [LineError] = []
        for piece in pieces { piece.withUnsafeBytes { stream.feed($0, into: &records, errors: &errors) } }
        stream.finish(into: &records, errors: &errors)
        return (records, errors)
    }

    @Test(arguments: [RecordLimits.defaultMaxRecordBytes, 48])
    func autoGivesTheSameRecordsWhereverTheInputIsSplit(_ limit: Int) {
        let input = Self.autoSplit
        let whole = run([input[...]], .auto, maxRecordBytes: limit)
        for split in [171, 1, 64, input.count - 1] {
            let pieces = run([input[..<split], input[split...]], .auto, maxRecordBytes: limit)
            #expect(pieces.0 == whole.0, "split at \(split): \(pieces.0.map(\.message)) vs \(whole.0.map(\.message))")
            #expect(pieces.1 == whole.1, "split at \(split)")
        }
    }
}
