import Testing
import LogStoreFormat
@testable import LogStoreIngest

@Suite struct ErrorLogParserTests {
    @Test func apache24LineGivesModulePidTidClientAndCode() throws {
        let line = "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 123:tid 456] [client 1.2.3.4:5678] AH00126: Invalid URI in request GET /x"
        let (records, _, stats) = parsed([line], format: .errorLog)
        let r = try #require(records.first)
        #expect(stats.unmatched.isEmpty)
        #expect(r.timestamp == ns("2000-10-11T14:32:52.123456Z"))
        #expect(r.level == .error)
        #expect(r.message == "Invalid URI in request GET /x")
        let a = attributes(r)
        #expect(a["module"] == .string("core"))
        #expect(a["pid"] == .int(123) && a["tid"] == .int(456))
        #expect(a["client"] == .string("1.2.3.4:5678"))
        #expect(a["code"] == .string("AH00126"))
    }

    @Test func apache22Line() throws {
        let line = "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties"
        let r = try #require(parsed([line], format: .errorLog).records.first)
        #expect(r.timestamp == ns("2005-12-04T04:47:44Z"))
        #expect(r.level == .notice)
        #expect(r.message == "workerEnv.init() ok /etc/httpd/conf/workers2.properties")
        let trace = try #require(parsed(["[Sun Dec 04 04:47:44 2005] [trace3] deep"], format: .errorLog).records.first)
        #expect(trace.level == .trace)
    }

    @Test func nginxLineGivesPidTidConnectionAndContext() throws {
        let line = #"2024/01/02 03:04:05 [error] 123#456: *7 open() "/usr/share/nginx/html/x" failed (2: No such file or directory), client: 10.0.0.1, server: localhost, request: "GET /x HTTP/1.1", host: "example.com""#
        let r = try #require(parsed([line], format: .errorLog).records.first)
        #expect(r.timestamp == ns("2024-01-02T03:04:05Z"))
        #expect(r.level == .error)
        #expect(r.message == #"open() "/usr/share/nginx/html/x" failed (2: No such file or directory)"#)
        let a = attributes(r)
        #expect(a["pid"] == .int(123) && a["tid"] == .int(456) && a["connection"] == .int(7))
        #expect(a["client"] == .string("10.0.0.1"))
        #expect(a["server"] == .string("localhost"))
        #expect(a["request"] == .string("GET /x HTTP/1.1"))
        #expect(a["host"] == .string("example.com"))
        let warn = try #require(parsed(["2024/01/02 03:04:05 [warn] 1#1: conflicting server name"], format: .errorLog).records.first)
        #expect(warn.level == .warning && attributes(warn)["connection"] == nil)
    }

    @Test func unknownLevelIsKeptAsText() {
        let (records, _, stats) = parsed(["[Sun Dec 04 04:47:44 2005] [loud] x"], format: .errorLog)
        #expect(records.count == 1)
        #expect(stats.unmatched["unknown level in error log line"] == 1)
    }
}
