import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct PatternLineParserTests {
    @Test func namedCapturesGiveFieldsAndAttributes() throws {
        let pattern = try LinePattern(#"^(?<timestamp>\S+ \S+) (?<level>\w+) \[(?<thread>[^\]]+)\] (?<source>[\w.]+) rid=(?<correlation>\S+) took=(?<ms>\d+) - (?<message>.*)$"#,
                                      timestampLayout: "%d/%m/%Y %H:%M:%S")
        let (records, _, stats) = parsed(["02/01/2024 03:04:05 WARN [main-1] com.shop.Api rid=r-9 took=812 - slow call", "nothing like it"],
                                         format: .pattern) { $0.pattern = pattern }
        let r = try #require(records.first)
        #expect(r.timestamp == ns("2024-01-02T03:04:05Z"))
        #expect(r.level == .warning)
        #expect(r.source == "com.shop.Api")
        #expect(r.correlationID == "r-9")
        #expect(r.message == "slow call")
        #expect(attributes(r)["thread"] == .string("main-1"))
        #expect(attributes(r)["ms"] == .int(812))
        #expect(records[1].message == "nothing like it")
        #expect(stats.unmatched == ["pattern did not match": 1])
    }

    @Test func timestampWithoutLayoutIsDetected() throws {
        let pattern = try LinePattern(#"^(?<timestamp>\S+) (?<message>.*)$"#)
        let r = try #require(parsed(["2024-01-02T03:04:05.25+01:00 hi"], format: .pattern) { $0.pattern = pattern }.records.first)
        #expect(r.timestamp == ns("2024-01-02T02:04:05.25Z"))
    }

    @Test func badPatternsAndLayoutsAreRefusedWithAReason() {
        #expect(throws: LinePatternError.self) { try LinePattern("(unclosed") }
        #expect(throws: LinePatternError.self) { try LinePattern("no names here") }
        #expect(throws: LinePatternError.self) { try LinePattern("(?<message>.*)", timestampLayout: "%Q") }
    }

    @Test func layoutDirectives() throws {
        let ref = ns("2026-11-22T20:02:33Z")
        #expect(try TimestampLayout("%b %e %T").parse("Mar  7 01:02:03", reference: ref) == ns("2026-03-07T01:02:03Z"))
        #expect(try TimestampLayout("%F %T.%f %z").parse("2024-01-02 03:04:05.5 -0130", reference: ref) == ns("2024-01-02T04:34:05.5Z"))
        #expect(try TimestampLayout("%s").parse("1700000000", reference: ref) == 1_700_000_000_000_000_000)
        #expect(try TimestampLayout("%d/%b/%Y:%H:%M:%S %z").parse("10/Oct/2000:13:55:36 -0700", reference: ref) == ns("2000-10-10T20:55:36Z"))
        #expect(try TimestampLayout("%Y").parse("20x4", reference: ref) == nil)
    }
}
