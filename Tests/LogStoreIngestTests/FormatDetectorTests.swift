import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct FormatDetectorTests {
    static let samples: [(LineFormat, String)] = [
        (.access, #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 12 "-" "curl""#),
        (.errorLog, "[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] File does not exist: /var/www/x"),
        (.errorLog, "2024/01/02 03:04:05 [error] 1#1: *3 oops, client: 1.2.3.4"),
        (.syslog, "Jan  2 03:04:05 host app[123]: started"),
        (.syslog, "<165>1 2003-10-11T22:14:15.003Z host app 1 ID - msg"),
        (.docker, #"{"log":"hi\n","stream":"stdout","time":"2024-01-02T03:04:05Z"}"#),
        (.cri, "2024-01-02T03:04:05Z stdout F hi"),
        (.ndjson, #"{"ts":"2024-01-02T03:04:05Z","level":"info","msg":"hi"}"#),
        (.logfmt, "ts=2024-01-02T03:04:05Z level=info msg=hi"),
        (.text, "2024-01-02 03:04:05,123 INFO [main] started"),
    ]

    @Test(arguments: 0..<samples.count)
    func eachFormatIsRecognised(_ index: Int) {
        let (format, line) = Self.samples[index]
        let (_, _, stats) = stream(Array(repeating: line, count: 20).joined(separator: "\n") + "\n", format: .auto)
        #expect(stats.detection?.format == format, "\(line)")
        #expect(stats.records == 20)
    }

    @Test func autoParsesTheSampleInTheChosenFormatWhateverTheChunking() {
        let lines = (0..<40).map { #"1.2.3.4 - - [10/Oct/2000:13:55:\#(10 + $0 % 50) +0000] "GET /\#($0) HTTP/1.1" 200 \#($0)"# }
        let text = lines.joined(separator: "\n") + "\n"
        let whole = stream(text, format: .auto)
        #expect(whole.records.count == 40)
        #expect(whole.records.allSatisfy { attributes($0)["status"] == .int(200) })
        for chunk in [1, 13, 100] { #expect(stream(text, format: .auto, chunk: chunk).records == whole.records) }
    }

    @Test func aShortInputIsDecidedAtTheEnd() {
        let (records, _, stats) = stream("Jan  2 03:04:05 host app[1]: one\nJan  2 03:04:06 host app[1]: two", format: .auto)
        #expect(stats.detection?.format == .syslog)
        #expect(records.map(\.message) == ["one", "two"])
    }

    @Test func majorityWinsAndMixedInputFallsBackToText() {
        let access = #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 12"#
        let mostly = (Array(repeating: access, count: 12) + Array(repeating: "garbage line", count: 4)).joined(separator: "\n") + "\n"
        let detected = stream(mostly, format: .auto).stats
        #expect(detected.detection == .init(format: .access, matched: 12, lines: 16))
        #expect(detected.unmatched["not an access log line"] == 4)
        let mixed = ["plain", "words", access, "more"].joined(separator: "\n")
        #expect(stream(mixed, format: .auto).stats.detection?.format == .text)
    }
}
