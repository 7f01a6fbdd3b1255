import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct TextTimestampTests {
    func parse(_ line: String) -> LogRecord? {
        try? TextLineParser(options: fixedOptions()).parseLine(line, lineNumber: 1).get()
    }

    @Test(arguments: [
        ("2026-11-22T20:02:33Z started", "2026-11-22T20:02:33Z", "started"),
        ("2026-11-22T20:02:33.250+02:00 x", "2026-11-22T18:02:33.25Z", "x"),
        ("2015-10-18 18:01:47,978 INFO [main] ok", "2015-10-18T18:01:47.978Z", "INFO [main] ok"),
        ("2024/01/02 03:04:05 [error] 12#0: upstream", "2024-01-02T03:04:05Z", "[error] 12#0: upstream"),
        ("[2026-11-22 20:02:33] done", "2026-11-22T20:02:33Z", "done"),
        ("2016-09-28 04:30:30, Info CBS x", "2016-09-28T04:30:30Z", ", Info CBS x"),
    ])
    func isoTimestampsAreDetectedAndCut(line: String, expected: String, message: String) {
        let record = parse(line)
        #expect(record?.timestamp == ns(expected))
        #expect(record?.message == message)
    }

    @Test func syslogTimeTakesTheReferenceYear() {
        #expect(parse("Jun  9 06:06:20 combo syslogd 1.4.1: restart.")?.timestamp == ns("2026-06-09T06:06:20Z"))
        #expect(parse("Jun  9 06:06:20 combo syslogd 1.4.1: restart.")?.message == "combo syslogd 1.4.1: restart.")
        // December seen in November is last year's.
        #expect(parse("Dec 10 06:55:46 LabSZ sshd[24200]: x")?.timestamp == ns("2025-12-10T06:55:46Z"))
    }

    @Test func apacheErrorLogCtimeInBrackets() {
        let r = parse("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok")
        #expect(r?.timestamp == ns("2005-12-04T04:47:44Z"))
        #expect(r?.level == .notice)
        #expect(r?.message == "[notice] workerEnv.init() ok")
    }

    @Test func commonLogFormatInTheMiddle() {
        let line = #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326"#
        let r = parse(line)
        #expect(r?.timestamp == ns("2000-10-10T20:55:36Z"))
        #expect(r?.message == line)
    }

    @Test func epochNumbersByMagnitude() {
        #expect(parse("1117838570 RAS KERNEL INFO x")?.timestamp == 1_117_838_570_000_000_000)
        #expect(parse("1117838570123 x")?.timestamp == 1_117_838_570_123_000_000)
        #expect(parse("- 1117838570 2005.06.03 R02 RAS KERNEL INFO x")?.timestamp == 1_117_838_570_000_000_000)
        // Short numbers are not epochs.
        #expect(parse("134681 node-246 unix.hw x")?.timestamp == referenceNanos)
        // 19 digits beyond Int64 do not trap.
        #expect(parse("9999999999999999999 x")?.timestamp == referenceNanos)
    }

    @Test func logcatMonthDay() {
        #expect(parse("03-17 16:13:38.811  1702  2395 D WindowManager: x")?.timestamp == ns("2026-03-17T16:13:38.811Z"))
    }

    /// Forms of the loghub corpus that are not ISO 8601: HDFS, Spark, HealthApp, Proxifier.
    @Test(arguments: [
        ("081109 203615 148 INFO dfs.DataNode$PacketResponder: x", "2008-11-09T20:36:15Z", "148 INFO dfs.DataNode$PacketResponder: x"),
        ("17/06/09 20:10:40 INFO spark.SecurityManager: x", "2017-06-09T20:10:40Z", "INFO spark.SecurityManager: x"),
        ("17/06/09 20:10:40.125 INFO x", "2017-06-09T20:10:40.125Z", "INFO x"),
        ("20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579", "2017-12-23T22:15:29.606Z", "|Step_LSC|30002312|onStandStepChanged 3579"),
        ("[10.30 16:49:06] chrome.exe - proxy:5070 open", "2026-10-30T16:49:06Z", "chrome.exe - proxy:5070 open"),
        ("20171223-22:15:35:11|Step_SPUtils|x", "2017-12-23T22:15:35.011Z", "|Step_SPUtils|x"),
        ("20171223-22:16:0:5|Step_LSC|x", "2017-12-23T22:16:00.005Z", "|Step_LSC|x"),
        ("991231 235959 y2k", "1999-12-31T23:59:59Z", "y2k"),
    ])
    func otherCommonFormsAreDetected(line: String, expected: String, message: String) {
        let record = parse(line)
        #expect(record?.timestamp == ns(expected), "\(line)")
        #expect(record?.message == message)
    }

    @Test func lookalikesOfTheNewFormsAreNotTimestamps() {
        // Six digits and six digits that are no date, a seventh digit, a bad month.
        for line in ["134681 node-246 unix.hw x", "081309 203615 x", "081109 2036159 x", "17/13/09 20:10:40 x",
                     "20171323-22:15:29:606|x", "20171223-22:15:29:6060|x", "20171223-22:153:29|x", "10.32 16:49:06 x", "1.2 16:49:06 x"] {
            #expect(parse(line)?.timestamp == referenceNanos, "\(line)")
        }
    }

    @Test func noTimestampGetsTheIngestionTime() {
        let r = parse("just a message")
        #expect(r?.timestamp == referenceNanos)
        #expect(r?.message == "just a message")
    }

    @Test func invalidDatesAreNotTimestamps() {
        #expect(parse("2026-13-40 25:61:00 x")?.timestamp == referenceNanos)
        #expect(parse("Foo 12 10:00:00 x")?.timestamp == referenceNanos)
    }
}
