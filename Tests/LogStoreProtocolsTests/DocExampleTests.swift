import Testing
import LogStoreProtocols

/// The code examples of the public doc comments, compiled and run here so they cannot rot.
@Suite struct DocExampleTests {
    @Test func otlpLogsDecoderExample() throws {
        let body: [UInt8] = Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"}}]}]}]}"#.utf8)
        let decoded = try OTLPLogsDecoder.decodeJSON(body, receiveTime: 1_700_000_000_000_000_000)
        print(decoded.records.count, decoded.rejected)
        #expect(decoded.records.first?.message == "hi")
    }

    @Test func jsonLineDecoderExample() {
        let body = Array("{\"ts\":1700000000,\"level\":\"error\",\"msg\":\"boom\"}\nnot json\n".utf8)
        let decoded = JSONLineDecoder().decode(body)
        print(decoded.records.count, decoded.rejected.map(\.place))   // 1 ["line 2, column 1"]
        #expect(decoded.rejected.map(\.place) == ["line 2, column 1"])
    }

    @Test func lokiPushDecoderExample() throws {
        let body = Array(#"{"streams":[{"stream":{"job":"api"},"values":[["1700000000000000000","hello"]]}]}"#.utf8)
        let decoded = try LokiPushDecoder.decode(body)
        print(decoded.records.first?.source ?? "")   // api
        #expect(decoded.records.first?.source == "api")
    }
}
