import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct SyslogParserTests {
    @Test func rfc5424WithStructuredData() throws {
        let line = #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Appli\"cation" eventID="1011"][examplePriority@32473 class="high"] An application event"#
        let (records, _, stats) = parsed([line], format: .syslog)
        #expect(stats.unmatched.isEmpty)
        let r = try #require(records.first)
        #expect(r.timestamp == ns("2003-10-11T22:14:15.003Z"))
        #expect(r.level == .notice)   // 165 = local4.notice
        #expect(r.source == "evntslog")
        #expect(r.message == "An application event")
        let a = attributes(r)
        #expect(a["facility"] == .string("local4") && a["severity"] == .string("notice"))
        #expect(a["host"] == .string("mymachine.example.com"))
        #expect(a["procid"] == .int(1234) && a["msgid"] == .string("ID47"))
        #expect(a["sd.exampleSDID@32473.iut"] == .string("3"))
        #expect(a["sd.exampleSDID@32473.eventSource"] == .string(#"Appli"cation"#))
        #expect(a["sd.examplePriority@32473.class"] == .string("high"))
    }

    @Test func rfc5424WithoutStructuredDataAndNilFields() throws {
        let line = "<34>1 2003-10-11T22:14:15.003Z - su - - - \u{FEFF}'su root' failed for lonvick on /dev/pts/8"
        let r = try #require(parsed([line], format: .syslog).records.first)
        #expect(r.level == .critical)   // 34 = auth.crit
        #expect(r.source == "su")
        #expect(r.message == "'su root' failed for lonvick on /dev/pts/8")
        let a = attributes(r)
        #expect(a["host"] == nil && a["procid"] == nil && a["msgid"] == nil)
        #expect(a["facility"] == .string("auth"))
        let noMessage = try #require(parsed(["<13>1 2003-10-11T22:14:15Z host app 1 - -"], format: .syslog).records.first)
        #expect(noMessage.message == "" && noMessage.level == .notice)
    }

    @Test func rfc3164WithPriority() throws {
        let line = "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8"
        let r = try #require(parsed([line], format: .syslog).records.first)
        #expect(r.timestamp == ns("2026-10-11T22:14:15Z"))
        #expect(r.level == .critical)
        #expect(r.source == "su")
        #expect(attributes(r)["procid"] == .int(230))
        #expect(attributes(r)["host"] == .string("mymachine"))
        #expect(r.message == "'su root' failed for lonvick on /dev/pts/8")
    }

    @Test func rsyslogFileLinesWithoutPriority() throws {
        let lines = ["Jan  2 03:04:05 host app[123]: error: disk full", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
                     "Jun 15 04:06:18 combo kernel: Linux version 2.6.5", "Jun 15 04:06:20 combo last message repeated 2 times"]
        let (records, _, stats) = parsed(lines, format: .syslog)
        #expect(stats.unmatched.isEmpty)
        #expect(records.map(\.source) == ["app", "sshd(pam_unix)", "kernel", "test.log"])
        #expect(records[0].level == .error)    // from the message, as in the text format
        #expect(attributes(records[0])["procid"] == .int(123))
        #expect(records[3].message == "last message repeated 2 times")
        #expect(records[0].timestamp == ns("2026-01-02T03:04:05Z"))
    }

    @Test func yearlessTimesResolvedAroundNewYear() throws {
        // Read on 2027-01-02: a December line is from 2026, a January line from 2027.
        let lines = ["Dec 31 23:59:58 host app: last of the year", "Jan  1 00:00:01 host app: first of the year"]
        let (records, _, _) = parsed(lines, format: .syslog) { $0.yearReference = ns("2027-01-02T10:00:00Z") }
        #expect(records.map(\.timestamp) == [ns("2026-12-31T23:59:58Z"), ns("2027-01-01T00:00:01Z")])
    }

    @Test func badPriorityAndNoTimestampAreKeptAsText() {
        let (records, _, stats) = parsed(["<999>1 x", "no syslog here"], format: .syslog)
        #expect(records.count == 2)
        #expect(stats.unmatched == ["bad <PRI> in syslog line": 1, "no syslog timestamp": 1])
    }
}
