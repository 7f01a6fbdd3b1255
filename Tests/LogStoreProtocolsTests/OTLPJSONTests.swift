import Testing
@testable import LogStoreProtocols

@Suite struct OTLPJSONTests {
    static func body(_ record: String, resource: String = #"{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]}"#) -> [UInt8] {
        Array(#"{"resourceLogs":[{"resource":\#(resource),"scopeLogs":[{"scope":{"name":"s"},"logRecords":[\#(record)]}]}]}"#.utf8)
    }

    @Test func hexIDsStringIntegersAndUnknownFields() throws {
        let record = #"""
        {"timeUnixNano":"1700000000000000001","severityNumber":13,"severityText":"Warning",
         "body":{"stringValue":"slow"},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
         "attributes":[{"key":"n","value":{"intValue":"9007199254740993"}},{"key":"m","value":{"intValue":7}}],
         "flags":1,"somethingNew":{"x":[1,2]},"eventName":"db.query"}
        """#
        let r = try #require(try OTLPLogsDecoder.decodeJSON(Self.body(record), receiveTime: 0).records.first)
        #expect(r.timestamp == 1_700_000_000_000_000_001)
        #expect(r.level == .warning)
        #expect(r.source == "api")
        #expect(r.correlationID == "5b8efff798038103d269b633813fc60c")
        #expect(r.attribute("span_id") == .string("eee19b7ec3c1b174"))
        #expect(r.attribute("n") == .int(9_007_199_254_740_993))
        #expect(r.attribute("m") == .int(7))
        #expect(r.attribute("event_name") == .string("db.query"))
        #expect(r.attribute("scope.name") == .string("s"))
    }

    @Test func escapesAndUnicodeInStrings() throws {
        let record = #"{"body":{"stringValue":"tab\there \"quoted\" \u00e9\ud83d\ude00 é ✓"}}"#
        let r = try #require(try OTLPLogsDecoder.decodeJSON(Self.body(record), receiveTime: 0).records.first)
        #expect(r.message == "tab\there \"quoted\" é😀 é ✓")
        let lone = #"{"body":{"stringValue":"\ud83d alone"}}"#
        #expect(throws: ProtocolDecodeError.self) { try OTLPLogsDecoder.decodeJSON(Self.body(lone), receiveTime: 0) }
    }

    @Test func timestampAsANumberIsExact() throws {
        let decoded = try OTLPLogsDecoder.decodeJSON(Self.body(#"{"timeUnixNano":1700000000000000001}"#), receiveTime: 0)
        #expect(decoded.records.first?.timestamp == 1_700_000_000_000_000_001)
    }

    @Test func base64IDsFromLenientClientsAreAccepted() throws {
        // The proto3-JSON encoding of the same 16 and 8 bytes.
        let record = #"{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ="}"#
        let r = try #require(try OTLPLogsDecoder.decodeJSON(Self.body(record), receiveTime: 0).records.first)
        #expect(r.correlationID == "5b8efff798038103d269b633813fc60c")
        #expect(r.attribute("span_id") == .string("eee19b7ec3c1b174"))
    }

    @Test func severityByName() throws {
        let r = try OTLPLogsDecoder.decodeJSON(Self.body(#"{"severityNumber":"SEVERITY_NUMBER_FATAL"}"#), receiveTime: 0)
        #expect(r.records.first?.level == .critical)
    }

    @Test func aBadRecordIsSkippedWithItsPlaceAndTheOthersKept() throws {
        let records = #"{"body":{"stringValue":"ok"}},{"traceId":"xyz"},{"timeUnixNano":"soon"}"#
        let decoded = try OTLPLogsDecoder.decodeJSON(Self.body(records), receiveTime: 0)
        #expect(decoded.records.map(\.message) == ["ok"])
        #expect(decoded.rejected.map(\.place) == ["resourceLogs[0].scopeLogs[0].logRecords[1].traceId",
                                                  "resourceLogs[0].scopeLogs[0].logRecords[2].timeUnixNano"])
    }

    @Test func brokenJSONNamesTheByte() throws {
        let error = #expect(throws: ProtocolDecodeError.self) {
            try OTLPLogsDecoder.decodeJSON(Array(#"{"resourceLogs":[}"#.utf8), receiveTime: 0)
        }
        #expect(error?.place == "byte 17")
    }

    @Test func invalidUTF8IsAnError() throws {
        var bytes = Self.body(#"{"body":{"stringValue":"AB"}}"#)
        let index = try #require(bytes.firstIndex(of: UInt8(ascii: "A")))
        bytes[index] = 0xC3
        bytes[index + 1] = 0x28
        #expect(throws: ProtocolDecodeError.self) { try OTLPLogsDecoder.decodeJSON(bytes, receiveTime: 0) }
    }

    @Test func responsesInBothEncodings() {
        #expect(String(decoding: OTLPResponses.success(rejected: 0, firstReason: nil, json: true), as: UTF8.self) == "{}")
        #expect(String(decoding: OTLPResponses.success(rejected: 2, firstReason: "bad \"id\"", json: true), as: UTF8.self)
                == #"{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"bad \"id\""}}"#)
        #expect(OTLPResponses.success(rejected: 0, firstReason: nil, json: false).isEmpty)
        #expect(String(decoding: OTLPResponses.status(code: 3, message: "no", json: true), as: UTF8.self) == #"{"code":3,"message":"no"}"#)
    }
}
