import Testing
import LogStore
import LogStoreFormat
@testable import LogStoreIngest

/// The row output of the formats whose parsers write rows straight from the line's bytes (access, syslog;
/// no `LogRecord`) against their record output encoded with `RowCodec`: the same bytes, errors and counts,
/// however the input is cut.
@Suite("Access log and syslog row encoding")
struct AccessRowEncodingTests {
    /// Real-looking lines: combined and common, IPv6, `-` fields, escapes, a cut user agent, a binary
    /// request, nginx `key=value` trailers, and lines that are kept as text or are errors.
    static let lines: [[UInt8]] = [
        #"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#,
        #"2001:db8::7 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
        #"10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "-" 408 - "-" "-""#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /q?a=\"b\" HTTP/1.1" 200 5 "-" "curl \"quoted\" agent\\x""#,
        #"46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /x.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01" 400 0 "-" "-""#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "\xff\xfe" 400 0 "-" "-""#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "POST /api HTTP/2.0" 201 17 "-" "k6" rt=0.042 request_id=req-77 upstream="10.0.0.9:80" n=5 ok=true trace_id=t-2 late "x y" "#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36.250 +0100] "GET  /two-spaces HTTP/1.1" 503 -"#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "unterminated"#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 12x"#,
        #"1.2.3.4 - - [99/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 1"#,
        #"2024-05-01T10:00:00Z ERROR not an access line at all"#,
        #"    "#,
        #"1.2.3.4 - ünïcödé [10/Oct/2000:13:55:36 +0000] "GET /é HTTP/1.1" 404 9 "-" "agent ✓" request_id="#,
    ].map { Array($0.utf8) } + [
        Array(#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /bad"#.utf8) + [0xC3, 0x28] + Array(#" HTTP/1.1" 200 1"#.utf8),
        Array(repeating: UInt8(ascii: "a"), count: 700),
    ]

    /// Syslog lines: RFC 5424 with and without structured data (escapes, an element without parameters,
    /// a BOM, `-` fields, no time), RFC 3164 with and without `<PRI>`, tags with and without a pid, rsyslog's
    /// RFC 3339 time, and lines kept as text or errors.
    static let syslogLines: [[UInt8]] = [
        #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event"#,
        #"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ﻿'su root' failed for lonvick on /dev/pts/8"#,
        #"<13>1 - - - - - [flag@1][esc@1 v="a \"q\" \\ \] b"] msg with - fields"#,
        #"<13>1 - - - - - [broken@1 v="a "q" \ \] b"] an SD value with a bare quote"#,
        #"<191>1 2024-01-02T03:04:05+02:00 host app pid-x - -"#,
        #"<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8"#,
        #"Jan  2 03:04:05 host app[123]: ERROR something broke"#,
        #"Dec 31 23:59:59 host kernel: [ 0.000000] Linux version"#,
        #"Jan  2 03:04:05 host no tag here, warning in the text"#,
        #"2024-01-02T03:04:05.123456+00:00 host sshd[99]: Accepted publickey"#,
        #"<999>1 2003-10-11T22:14:15Z host app 1 - - bad pri"#,
        #"<34>1 2003-10-11T22:14:15Z host"#,
        #"<34>1 yesterday host app 1 - - bad time"#,
        #"<34>1 2003-10-11T22:14:15Z host app 1 - [broken sd"#,
        #"plain words, not syslog"#,
        #"    "#,
    ].map { Array($0.utf8) } + [
        Array("Jan  2 03:04:05 host app: bad ".utf8) + [0xC3, 0x28],
        Array(repeating: UInt8(ascii: "a"), count: 700),
    ]

    @Test(arguments: [LineFormat.access, .auto])
    func rowsEqualTheEncodedRecords(format: LineFormat) {
        check(format, lines: Self.lines, expected: .access)
    }

    @Test(arguments: [LineFormat.syslog, .auto])
    func syslogRowsEqualTheEncodedRecords(format: LineFormat) {
        check(format, lines: Self.syslogLines, expected: .syslog)
    }

    /// Lines picked at random from `lines` (the first two repeated first, so that `auto` chooses `expected`),
    /// fed in pieces of random sizes to a record stream and a row stream.
    func check(_ format: LineFormat, lines: [[UInt8]], expected: LineFormat) {
        var rng = SeededRandom(seed: 17)
        var bytes: [UInt8] = []
        for i in 0..<40 { bytes += lines[i % 2]; bytes.append(0x0A) }
        for _ in 0..<2000 {
            bytes += rng.pick(lines)
            bytes += rng.chance(5) ? Array("\r\n".utf8) : [0x0A]
        }
        bytes += lines[0]                                         // no terminator at the end
        var options = LineParserOptions()
        options.source = "web"
        options.maxRecordBytes = 512
        options.now = { 1_700_000_000_000_000_000 }
        options.yearReference = 1_704_164_645_000_000_000
        // Pieces of 1–64 bytes, of up to 9,000, and the whole input in one piece (with `auto`, more than
        // the sample in the first read).
        for seed in 0..<4 {
            var cuts = SeededRandom(seed: UInt64(seed))
            var recordStream = LineRecordStream(format: format, options: options)
            var rowStream = LineRecordStream(format: format, options: options)
            var records: [LogRecord] = []
            var recordErrors: [LineError] = []
            var rows = EncodedRows()
            var rowErrors: [LineError] = []
            var start = 0
            while start < bytes.count {
                let end = seed == 3 ? bytes.count : min(bytes.count, start + cuts.int(1...(seed == 0 ? 64 : 9000)))
                bytes[start..<end].withUnsafeBytes {
                    recordStream.feed($0, into: &records, errors: &recordErrors)
                    rowStream.feed($0, into: &rows, errors: &rowErrors)
                }
                start = end
            }
            recordStream.finish(into: &records, errors: &recordErrors)
            rowStream.finish(into: &rows, errors: &rowErrors)
            #expect(rowStream.resolvedFormat == expected)
            #expect(records.count > 1500 && recordErrors.count > 50, "\(records.count) records, \(recordErrors.count) errors")
            #expect(rowStream.statistics.unmatchedTotal > 300)
            #expect(rowErrors == recordErrors)
            #expect(rowStream.statistics == recordStream.statistics)
            let expected = encodedRows(records)
            let got = split(rows)
            #expect(got.count == expected.count)
            let firstDifference = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(firstDifference == nil, "row \(firstDifference ?? -1) differs: \(firstDifference.map { records[$0] }.debugDescription)")
            #expect(rowStream.consumedBytes == bytes.count && rowStream.nextLineNumber == recordStream.nextLineNumber)
        }
    }
}
