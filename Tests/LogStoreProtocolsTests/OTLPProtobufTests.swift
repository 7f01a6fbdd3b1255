import Foundation
import Testing
@testable import LogStoreProtocols
import SwiftProtobuf

@Suite struct OTLPProtobufTests {
    @Test func everyFieldMapsAsDocumented() throws {
        let bytes: [UInt8] = try OTLPFixtures.request([OTLPFixtures.record()]).serializedBytes()
        let decoded = try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 42)
        #expect(decoded.rejected.isEmpty)
        let r = try #require(decoded.records.first)
        #expect(r.timestamp == 1_700_000_000_123_456_789)
        #expect(r.level == .error)
        #expect(r.source == "checkout")
        #expect(r.correlationID == "0102030405060708090a0b0c0d0e0f10")
        #expect(r.message == "payment failed")
        #expect(r.attribute("http.status") == .int(502))
        #expect(r.attribute("retry") == .bool(true))
        #expect(r.attribute("latency") == .double(1.5))
        #expect(r.attribute("span_id") == .string("65666768696a6b6c"))
        #expect(r.attribute("severity_text") == .string("ERROR"))
        #expect(r.attribute("scope.name") == .string("app.logger"))
        #expect(r.attribute("scope.version") == .string("1.2"))
        #expect(r.attribute("resource.host.name") == .string("web-1"))
        #expect(r.attribute("resource.service.name") == nil)
    }

    @Test func timestampFallsBackToObservedThenReceiveTime() throws {
        var observedOnly = OTLPFixtures.record()
        observedOnly.timeUnixNano = 0
        var neither = OTLPFixtures.record()
        neither.timeUnixNano = 0
        neither.observedTimeUnixNano = 0
        let bytes: [UInt8] = try OTLPFixtures.request([observedOnly, neither]).serializedBytes()
        let decoded = try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 777)
        #expect(decoded.records.map(\.timestamp) == [1_700_000_000_123_456_794, 777])
    }

    @Test(arguments: [(0, LogLevel.info), (1, .trace), (4, .trace), (5, .debug), (8, .debug), (9, .info), (12, .info),
                      (13, .warning), (16, .warning), (17, .error), (20, .error), (21, .critical), (24, .critical)])
    func severityRangesBecomeLevels(number: Int, level: LogLevel) throws {
        let bytes: [UInt8] = try OTLPFixtures.request([OTLPFixtures.record(severity: number, text: "")]).serializedBytes()
        #expect(try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 0).records.first?.level == level)
    }

    @Test func unspecifiedSeverityUsesTheTextWhenItNamesALevel() throws {
        let bytes: [UInt8] = try OTLPFixtures.request([OTLPFixtures.record(severity: 0, text: "WARN")]).serializedBytes()
        #expect(try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 0).records.first?.level == .warning)
    }

    @Test func nonStringBodyBecomesJSONText() throws {
        var record = OTLPFixtures.record()
        var list = Opentelemetry_Proto_Common_V1_KeyValueList()
        var array = Opentelemetry_Proto_Common_V1_ArrayValue()
        var one = OTLPAnyValue(); one.value = .intValue(1)
        var text = OTLPAnyValue(); text.value = .stringValue("a\"b")
        array.values = [one, text]
        list.values = [OTLPFixtures.keyValue("z", .boolValue(false)), OTLPFixtures.keyValue("a", .arrayValue(array)),
                       OTLPFixtures.keyValue("b", .bytesValue(Data([0xFF, 0x00])))]
        record.body.value = .kvlistValue(list)
        let bytes: [UInt8] = try OTLPFixtures.request([record]).serializedBytes()
        let message = try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 0).records.first?.message
        #expect(message == #"{"a":[1,"a\"b"],"b":"/wA=","z":false}"#)
    }

    @Test func configuredAttributeIsTheCorrelationIDAndTraceIDStaysAnAttribute() throws {
        var record = OTLPFixtures.record()
        record.attributes.append(OTLPFixtures.keyValue("request_id", .stringValue("req-7")))
        let bytes: [UInt8] = try OTLPFixtures.request([record]).serializedBytes()
        let r = try #require(try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 0,
                                                                options: OTLPMappingOptions(correlationAttribute: "request_id")).records.first)
        #expect(r.correlationID == "req-7")
        #expect(r.attribute("request_id") == nil)
        #expect(r.attribute("trace_id") == .string("0102030405060708090a0b0c0d0e0f10"))
    }

    @Test func badTraceIDRejectsOnlyThatRecordNamingItsPlace() throws {
        var bad = OTLPFixtures.record(body: "bad")
        bad.traceID = Data([1, 2, 3])
        let bytes: [UInt8] = try OTLPFixtures.request([OTLPFixtures.record(body: "good"), bad]).serializedBytes()
        let decoded = try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 0)
        #expect(decoded.records.map(\.message) == ["good"])
        #expect(decoded.rejected.map(\.place) == ["resourceLogs[0].scopeLogs[0].logRecords[1].traceId"])
        #expect(decoded.rejected.first?.reason == "3 bytes, expected 16")
    }

    @Test func malformedAndTruncatedProtobufIsAnError() throws {
        let good: [UInt8] = try OTLPFixtures.request([OTLPFixtures.record()]).serializedBytes()
        #expect(throws: ProtocolDecodeError.self) { try OTLPLogsDecoder.decodeProtobuf(Array(good.dropLast(3)), receiveTime: 0) }
        #expect(throws: ProtocolDecodeError.self) { try OTLPLogsDecoder.decodeProtobuf([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], receiveTime: 0) }
    }

    @Test func invalidUTF8InAStringIsAnError() throws {
        // resource_logs { scope_logs { log_records { severity_text (3): "\xFF" } } }
        let record: [UInt8] = [0x1A, 0x01, 0xFF]
        let scope: [UInt8] = [0x12, UInt8(record.count)] + record
        let resource: [UInt8] = [0x12, UInt8(scope.count)] + scope
        let body: [UInt8] = [0x0A, UInt8(resource.count)] + resource
        let error = #expect(throws: ProtocolDecodeError.self) { try OTLPLogsDecoder.decodeProtobuf(body, receiveTime: 0) }
        #expect(error?.place == "body")
    }

    /// Property-style: random records survive protobuf encoding and decoding with every mapped field.
    @Test func randomRecordsRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let time = UInt64.random(in: 1...UInt64(Int64.max), using: &generator)
            let severity = Int.random(in: 1...24, using: &generator)
            let body = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in
                Character(Unicode.Scalar(UInt32.random(in: 0x20...0x7E, using: &generator)) ?? "x") }) + "é✓"
            var record = OTLPFixtures.record(time: time, severity: severity, text: "", body: body)
            let value = Int64.random(in: .min ... .max, using: &generator)
            record.attributes = [OTLPFixtures.keyValue("n", .intValue(value))]
            let bytes: [UInt8] = try OTLPFixtures.request([record]).serializedBytes()
            let r = try #require(try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 0).records.first)
            #expect(r.timestamp == Int64(time))
            #expect(r.level == OTLPRecordMapper.level(severity, text: ""))
            #expect(r.message == body)
            #expect(r.attribute("n") == .int(value))
        }
    }
}
