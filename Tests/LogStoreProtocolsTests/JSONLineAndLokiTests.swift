import Testing
@testable import LogStoreProtocols

@Suite struct JSONLineAndLokiTests {
    @Test func ndjsonKeepsGoodLinesAndNamesBadOnes() {
        let body = Array("{\"ts\":1700000000,\"level\":\"error\",\"source\":\"api\",\"msg\":\"boom\",\"status\":500}\nnot json\n\n{\"ts\":1700000001,\"msg\":\"ok\"}".utf8)
        let decoded = JSONLineDecoder().decode(body)
        #expect(decoded.records.map(\.message) == ["boom", "ok"])
        #expect(decoded.records.first?.attribute("status") == .int(500))
        #expect(decoded.rejected.map(\.place) == ["line 2, column 1"])
    }

    @Test func lokiLabelsBecomeSourceAndAttributes() throws {
        let body = Array(#"""
        {"streams":[{"stream":{"job":"varlogs","env":"prod","level":"warn"},
          "values":[["1700000000000000007","disk almost full",{"trace_id":"abc123","user":"u1"}],
                    ["1700000000000000008","second"]]}]}
        """#.utf8)
        let decoded = try LokiPushDecoder.decode(body)
        #expect(decoded.rejected.isEmpty)
        let first = try #require(decoded.records.first)
        #expect(first.timestamp == 1_700_000_000_000_000_007)
        #expect(first.source == "varlogs")
        #expect(first.level == .warning)
        #expect(first.correlationID == "abc123")
        #expect(first.message == "disk almost full")
        #expect(first.attributes == [Attribute("job", .string("varlogs")), Attribute("env", .string("prod")),
                                     Attribute("user", .string("u1"))])
        #expect(decoded.records[1].correlationID == nil)
    }

    @Test func lokiBadEntriesAreSkippedWithTheirPlace() throws {
        let body = Array(#"{"streams":[{"stream":{},"values":[["soon","x"],["1","ok"],["2"]]}]}"#.utf8)
        let decoded = try LokiPushDecoder.decode(body)
        #expect(decoded.records.map(\.message) == ["ok"])
        #expect(decoded.rejected.map(\.place) == ["streams[0].values[0][0]", "streams[0].values[2]"])
    }

    @Test func lokiWithoutStreamsIsAnError() {
        #expect(throws: ProtocolDecodeError.self) { try LokiPushDecoder.decode(Array(#"{"nope":1}"#.utf8)) }
    }
}
