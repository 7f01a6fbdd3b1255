import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct AccessLogParserTests {
    @Test func combinedLineGivesEveryField() throws {
        let line = #"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#
        let (records, errors, stats) = parsed([line], format: .access)
        #expect(errors.isEmpty && stats.unmatched.isEmpty)
        let r = try #require(records.first)
        #expect(r.timestamp == ns("2015-05-17T10:05:03Z"))
        #expect(r.level == .info)
        #expect(r.source == "test.log")
        #expect(r.message == "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1")
        let a = attributes(r)
        #expect(a["client"] == .string("83.149.9.216"))
        #expect(a["ident"] == nil && a["user"] == nil)
        #expect(a["method"] == .string("GET"))
        #expect(a["path"] == .string("/presentations/logstash-monitorama-2013/images/kibana-search.png"))
        #expect(a["protocol"] == .string("HTTP/1.1"))
        #expect(a["status"] == .int(200))
        #expect(a["bytes"] == .int(203023))
        #expect(a["referer"] == .string("http://semicomplete.com/presentations/logstash-monitorama-2013/"))
        #expect(a["user_agent"]?.description.hasPrefix("Mozilla/5.0 (Macintosh") == true)
        #expect(stats.timestampsDetected == 1 && stats.levelsDetected == 1)
    }

    @Test func commonFormatWithUserIPv6AndZone() throws {
        let line = #"2001:db8::7 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#
        let r = try #require(parsed([line], format: .access).records.first)
        #expect(r.timestamp == ns("2000-10-10T20:55:36Z"))
        let a = attributes(r)
        #expect(a["client"] == .string("2001:db8::7"))
        #expect(a["user"] == .string("frank"))
        #expect(a["referer"] == nil && a["user_agent"] == nil)
    }

    @Test func statusGivesTheLevel() {
        let lines = [404, 500, 503, 302, 200].map { #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" \#($0) 12"# }
        #expect(parsed(lines, format: .access).records.map(\.level) == [.warning, .error, .error, .info, .info])
    }

    @Test func dashFieldsAreLeftOutAndBytesDashIsNoAttribute() throws {
        let line = #"10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "-" 408 - "-" "-""#
        let r = try #require(parsed([line], format: .access).records.first)
        let a = attributes(r)
        #expect(a["bytes"] == nil && a["referer"] == nil && a["user_agent"] == nil && a["method"] == nil && a["request"] == nil)
        #expect(a["status"] == .int(408))
        #expect(r.level == .warning)
    }

    @Test func escapedQuotesInsideTheUserAgentAreDecoded() throws {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /q?a=\"b\" HTTP/1.1" 200 5 "-" "curl \"quoted\" agent\\x""#
        let r = try #require(parsed([line], format: .access).records.first)
        let a = attributes(r)
        #expect(a["user_agent"] == .string(#"curl "quoted" agent\x"#))
        #expect(a["path"] == .string(#"/q?a="b""#))
    }

    @Test func userAgentWithoutClosingQuoteRunsToTheEnd() throws {
        // Line 8899 of the elastic Apache sample ends like this.
        let line = #"46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /x.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"#
        let (records, _, stats) = parsed([line], format: .access)
        #expect(stats.unmatched.isEmpty)
        #expect(attributes(try #require(records.first))["user_agent"] == .string("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"))
    }

    @Test func malformedRequestLineIsKeptWhole() throws {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01" 400 0 "-" "-""#
        let r = try #require(parsed([line], format: .access).records.first)
        #expect(attributes(r)["request"] != nil)
        #expect(attributes(r)["method"] == nil)
    }

    @Test func trailingPairsBecomeAttributesAndRequestIDTheCorrelationID() throws {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "POST /api HTTP/2.0" 201 17 "-" "k6" rt=0.042 request_id=req-77 upstream="10.0.0.9:80""#
        let r = try #require(parsed([line], format: .access).records.first)
        #expect(r.correlationID == "req-77")
        let a = attributes(r)
        #expect(a["rt"] == .double(0.042))
        #expect(a["upstream"] == .string("10.0.0.9:80"))
    }

    @Test func aLineThatIsNoAccessLogIsKeptAsTextAndCounted() {
        let (records, errors, stats) = parsed(["2026-11-22T20:02:33Z ERROR something else", "1.2.3.4 - - [bad] \"GET / HTTP/1.1\" 200 1"],
                                              format: .access)
        #expect(errors.isEmpty)
        #expect(records.count == 2)
        #expect(records[0].message == "ERROR something else")
        #expect(records[0].level == .error)
        #expect(stats.unmatchedTotal == 2)
        #expect(stats.unmatched["no [time] in access log line"] == 1)
        #expect(stats.unmatched["bad [time] in access log line"] == 1)
    }
}
