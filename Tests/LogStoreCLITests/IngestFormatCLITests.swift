import Foundation
import Testing
import LogStore

/// `logstore ingest --format logfmt|text` as a process: each format's records land in the store with
/// their timestamp, level, source and attributes, and a bad line is reported by file and line while
/// its neighbours are kept.
@Suite struct IngestFormatCLITests {
    static func records(_ path: String) throws -> [LogRecord] {
        var options = StoreOptions()
        options.readOnly = true
        return try LogStore.open(at: path, options: options).records(LogQuery())
    }

    @Test func logfmtLinesBecomeRecordsWithAttributes() throws {
        let dir = TempDir()
        let input = dir.path + "/app.logfmt"
        let now = Date()
        let iso = ISO8601DateFormatter().string(from: now.addingTimeInterval(-60))
        try """
        ts=\(iso) level=error service=billing msg="charge failed" trace_id=r-1 status=502 latency_ms=12.5
        ts=\(iso) level=info service=billing msg=retry trace_id=r-1
        this line has "an unterminated quote
        ts=\(iso) level=warn service=api msg="slow call" path=/v1/items

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let store = dir.path + "/store"
        let r = try CLI.run(["ingest", "--store", store, "--format", "logfmt", input])
        #expect(r.status == 1, "a bad line makes the exit status 1: \(r.stderr)")
        #expect(r.stderr.contains("app.logfmt:3"), "the bad line is named by file and line: \(r.stderr)")
        let got = try Self.records(store)
        #expect(got.map(\.message) == ["charge failed", "retry", "slow call"])
        #expect(got.map(\.level) == [.error, .info, .warning])
        #expect(got.first?.source == "billing")
        #expect(got.first?.correlationID == "r-1")
        #expect(got.first?.attributes.contains { $0.key == "status" } == true)
        // The instant the lines name (the formatter may round `now - 60` to either neighbouring second).
        let named = try #require(ISO8601DateFormatter().date(from: iso))
        let expected = Int64(named.timeIntervalSince1970.rounded()) * nanosPerSecond
        #expect(got.allSatisfy { $0.timestamp == expected }, "\(got.map(\.timestamp)) vs \(expected) (\(iso))")
    }

    @Test func textLinesGetTimestampsLevelsAndJoinedStackTraces() throws {
        let dir = TempDir()
        let input = dir.path + "/worker.log"
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded(.down))
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss,SSS"
        let t1 = f.string(from: base), t2 = f.string(from: base.addingTimeInterval(1))
        try """
        \(t1) INFO [main] job started
        \(t2) ERROR [main] job failed
        java.lang.IllegalStateException: boom
            at com.example.Job.run(Job.java:42)
        Caused by: java.io.IOException: disk
        \(t2) WARN [main] retrying

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let store = dir.path + "/store"
        let r = try CLI.run(["ingest", "--store", store, "--format", "text", input])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try Self.records(store)
        #expect(got.count == 3)
        #expect(got.map(\.level) == [.info, .error, .warning])
        #expect(got.allSatisfy { $0.source == input }, "text lines take the file path as given as their source")
        let failure = try #require(got.first { $0.level == .error })
        #expect(failure.message.contains("job failed") && failure.message.contains("at com.example.Job.run")
                && failure.message.contains("Caused by: java.io.IOException"))
        let expected = Int64(base.timeIntervalSince1970) * nanosPerSecond
        #expect(got.first?.timestamp == expected)
    }
}
