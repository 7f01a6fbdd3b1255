import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct TextMultilineTests {
    let trace = """
    2026-11-22T20:02:33Z ERROR request failed
    java.lang.IllegalStateException: boom
    \tat com.example.A.run(A.java:10)
    at com.example.B.run(B.java:20)
    Caused by: java.io.IOException: disk
        ... 12 more
    2026-11-22T20:02:34Z INFO next

    """

    @Test func stackTraceLinesJoinTheRecordBeforeThem() {
        let (records, errors, stats) = stream(trace, format: .text)
        #expect(errors.isEmpty)
        // The exception's first line has no timestamp of its own, after a line that has one: it
        // continues the ERROR record like the indented and `at `/`Caused by:`/`...` lines after it.
        #expect(records.count == 2)
        #expect(records[0].message.hasPrefix("ERROR request failed\njava.lang.IllegalStateException: boom\n\tat com.example.A"))
        #expect(records[0].message.hasSuffix("Caused by: java.io.IOException: disk\n    ... 12 more"))
        #expect(records[1].message == "INFO next")
        #expect(stats.joinedLines == 5)
    }

    @Test func withoutTimestampsOnlyMarkedLinesContinue() {
        // No line has a timestamp: the exception line starts a record; its indented lines join it.
        let input = "ERROR request failed\njava.lang.IllegalStateException: boom\n\tat A.run(A.java:1)\nINFO next\n"
        let (records, _, stats) = stream(input, format: .text)
        #expect(records.map(\.message) == ["ERROR request failed", "java.lang.IllegalStateException: boom\n\tat A.run(A.java:1)", "INFO next"])
        #expect(stats.joinedLines == 1)
    }

    @Test func joiningDoesNotDependOnChunking() {
        let whole = stream(trace, format: .text).records
        for size in [1, 3, 7, 64] {
            #expect(stream(trace, format: .text, chunk: size).records == whole)
        }
    }

    @Test func joiningCanBeTurnedOff() {
        var options = fixedOptions()
        options.joinContinuationLines = false
        #expect(stream(trace, format: .text, options: options).records.count == 7)
    }

    @Test func heldBytesCoverTheHeldRecordAndPartialLine() {
        var s = LineRecordStream(format: .text, options: fixedOptions())
        var records: [LogRecord] = []
        var errors: [LineError] = []
        let input = "a first\n  more\nb sec"
        Array(input.utf8).withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        // "a first" and its continuation are held (the next line might continue them), "b sec" is partial.
        #expect(records.isEmpty)
        #expect(s.heldBytes == input.utf8.count)
        Array("\n".utf8).withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        #expect(records.map(\.message) == ["a first\n  more"])
        #expect(s.heldBytes == "b sec\n".utf8.count)
        s.finish(into: &records, errors: &errors)
        #expect(records.map(\.message) == ["a first\n  more", "b sec"])
        #expect(s.heldBytes == 0)
    }

    @Test func badLinesAreReportedAndNeighboursKept() {
        var bytes = Array("ok one\n".utf8)
        bytes += [0x62, 0xFF, 0x0A]
        bytes += Array("ok two\n".utf8)
        var s = LineRecordStream(format: .text, options: fixedOptions())
        var records: [LogRecord] = []
        var errors: [LineError] = []
        bytes.withUnsafeBytes { s.feed($0, into: &records, errors: &errors) }
        s.finish(into: &records, errors: &errors)
        #expect(records.map(\.message) == ["ok one", "ok two"])
        #expect(errors == [LineError(line: 2, column: 2, reason: "invalid UTF-8 at column 2")])
    }

    @Test func overLongLinesAreReportedNotTruncated() {
        var options = fixedOptions()
        options.maxRecordBytes = 16
        let (records, errors, _) = stream("short\n" + String(repeating: "x", count: 40) + "\nafter\n", format: .text,
                                          chunk: 5, options: options)
        #expect(records.map(\.message) == ["short", "after"])
        #expect(errors.count == 1)
        #expect(errors.first?.line == 2)
        #expect(errors.first?.reason == "record of 40 bytes exceeds the limit of 16 bytes")
    }
}
