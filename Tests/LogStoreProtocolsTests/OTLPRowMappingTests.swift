import Foundation
import LogStore
import LogStoreFormat
import Testing
@testable import LogStoreProtocols
import SwiftProtobuf

/// The row path (`decodeProtobufRows`, `decodeJSONRows`, what `POST /v1/logs` stores) against the record
/// path (`decodeProtobuf`, `decodeJSON`, the documented mapping the other OTLP tests check field by
/// field): the rows must be byte for byte the row encoding of the records, and the rejections equal.
@Suite struct OTLPRowMappingTests {
    static let mappings = [OTLPMappingOptions(), OTLPMappingOptions(correlationAttribute: "request_id")]

    /// The rows `RowCodec` writes for `records`, as (bytes, row ends).
    static func encoded(_ records: [LogRecord]) -> ([UInt8], [Int]) {
        var w = ByteWriter()
        var ends: [Int] = []
        for r in records {
            RowCodec.encode(r, into: &w)
            ends.append(w.count)
        }
        return (w.bytes, ends)
    }

    static func expectSameProtobuf(_ bytes: [UInt8], _ mapping: OTLPMappingOptions,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        let records = try OTLPLogsDecoder.decodeProtobuf(bytes, receiveTime: 99, options: mapping)
        let rows = try OTLPLogsDecoder.decodeProtobufRows(bytes, receiveTime: 99, options: mapping)
        let (expected, ends) = encoded(records.records)
        #expect(rows.rows.bytes.bytes == expected, sourceLocation: sourceLocation)
        #expect(rows.rows.ends == ends, sourceLocation: sourceLocation)
        #expect(rows.rejected == records.rejected, sourceLocation: sourceLocation)
    }

    static func expectSameJSON(_ bytes: [UInt8], _ mapping: OTLPMappingOptions,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let records = try OTLPLogsDecoder.decodeJSON(bytes, receiveTime: 99, options: mapping)
        let rows = try OTLPLogsDecoder.decodeJSONRows(bytes, receiveTime: 99, options: mapping)
        let (expected, ends) = encoded(records.records)
        #expect(rows.rows.bytes.bytes == expected, sourceLocation: sourceLocation)
        #expect(rows.rows.ends == ends, sourceLocation: sourceLocation)
        #expect(rows.rejected == records.rejected, sourceLocation: sourceLocation)
    }

    @Test func everyFieldAndEveryBodyKindGivesTheRowsOfTheRecords() throws {
        var records: [OTLPLogRecord] = [OTLPFixtures.record()]
        var event = OTLPFixtures.record(severity: 0, text: "warn")
        event.eventName = "db.query"
        event.attributes.append(OTLPFixtures.keyValue("request_id", .stringValue("req-7")))
        records.append(event)
        var numeric = OTLPFixtures.record()
        numeric.attributes = [OTLPFixtures.keyValue("request_id", .intValue(42)), OTLPFixtures.keyValue("request_id", .stringValue("second"))]
        records.append(numeric)
        var emptyID = OTLPFixtures.record()
        emptyID.attributes = [OTLPFixtures.keyValue("request_id", .stringValue("")), OTLPFixtures.keyValue("request_id", .boolValue(true))]
        emptyID.traceID = Data(count: 16)        // all zero: no trace
        emptyID.spanID = Data()
        records.append(emptyID)
        var array = Opentelemetry_Proto_Common_V1_ArrayValue()
        array.values = [OTLPAnyValue(), { var v = OTLPAnyValue(); v.value = .doubleValue(2.5); return v }()]
        var list = Opentelemetry_Proto_Common_V1_KeyValueList()
        list.values = [OTLPFixtures.keyValue("z", .stringValue("last")), OTLPFixtures.keyValue("a", .arrayValue(array)),
                       OTLPFixtures.keyValue("a", .bytesValue(Data([0, 255])))]
        for body: OTLPAnyValue.OneOf_Value? in [.kvlistValue(list), .arrayValue(array), .bytesValue(Data([1, 2, 3])), .intValue(-5),
                                                 .boolValue(false), .doubleValue(.infinity), nil] {
            var r = OTLPFixtures.record()
            r.body.value = body
            r.attributes.append(OTLPFixtures.keyValue("nested", body))
            records.append(r)
        }
        var noBody = OTLPFixtures.record()
        noBody.clearBody()
        records.append(noBody)
        var request = OTLPFixtures.request(records)
        // A second resource without service.name, with two scopes, one of them without a scope message.
        var other = OTLPResourceLogs()
        other.resource.attributes = [OTLPFixtures.keyValue("k8s.pod", .stringValue("p-1")), OTLPFixtures.keyValue("service.name", .intValue(3))]
        var bare = OTLPScopeLogs()
        bare.logRecords = [OTLPFixtures.record(), OTLPLogRecord()]
        var scoped = OTLPScopeLogs()
        scoped.scope.attributes = [OTLPFixtures.keyValue("lib", .stringValue("x"))]
        scoped.logRecords = [OTLPFixtures.record(time: 0)]
        other.scopeLogs = [bare, scoped]
        request.resourceLogs.append(other)
        let bytes: [UInt8] = try request.serializedBytes()
        for mapping in Self.mappings { try Self.expectSameProtobuf(bytes, mapping) }
        #expect(try OTLPLogsDecoder.decodeProtobufRows(bytes, receiveTime: 0).rows.count == records.count + 3)
    }

    @Test func rejectedRecordsWriteNothingAndNameTheSamePlace() throws {
        var badTrace = OTLPFixtures.record()
        badTrace.traceID = Data([1, 2, 3])
        var badSpan = OTLPFixtures.record()
        badSpan.spanID = Data([1])
        var farFuture = OTLPFixtures.record(time: UInt64(Int64.max) + 1)
        farFuture.traceID = Data([9])           // the timestamp is named first, as by the record path
        var longID = OTLPFixtures.record()
        longID.attributes = [OTLPFixtures.keyValue("request_id", .stringValue(String(repeating: "x", count: 256)))]
        let request = OTLPFixtures.request([OTLPFixtures.record(body: "first"), badTrace, badSpan, farFuture, longID,
                                            OTLPFixtures.record(body: "last")])
        let bytes: [UInt8] = try request.serializedBytes()
        for mapping in Self.mappings { try Self.expectSameProtobuf(bytes, mapping) }
        let rows = try OTLPLogsDecoder.decodeProtobufRows(bytes, receiveTime: 0, options: Self.mappings[1])
        #expect(rows.rows.count == 2)
        #expect(rows.rejected.map(\.place) == ["resourceLogs[0].scopeLogs[0].logRecords[1].traceId",
                                               "resourceLogs[0].scopeLogs[0].logRecords[2].spanId",
                                               "resourceLogs[0].scopeLogs[0].logRecords[3].timeUnixNano",
                                               "resourceLogs[0].scopeLogs[0].logRecords[4].attributes.request_id"])
    }

    /// Property-style: random requests (random resources, scopes, records, attribute kinds, ids, bodies)
    /// give the same rows and rejections on both paths.
    @Test func randomRequestsGiveTheRowsOfTheRecords() throws {
        var rng = SystemRandomNumberGenerator()
        func text() -> String {
            String((0..<Int.random(in: 0...12, using: &rng)).map { _ in ["a", "é", "✓", "\"", "\n", "😀", "request_id"].randomElement(using: &rng) ?? "a" }.joined())
        }
        func value(depth: Int) -> OTLPAnyValue.OneOf_Value? {
            switch Int.random(in: 0...(depth < 2 ? 7 : 5), using: &rng) {
            case 0: return nil
            case 1: return .stringValue(text())
            case 2: return .intValue(Int64.random(in: .min ... .max, using: &rng))
            case 3: return .doubleValue(Double.random(in: -1e9...1e9, using: &rng))
            case 4: return .boolValue(Bool.random(using: &rng))
            case 5: return .bytesValue(Data((0..<Int.random(in: 0...5, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            case 6:
                var a = Opentelemetry_Proto_Common_V1_ArrayValue()
                a.values = (0..<Int.random(in: 0...3, using: &rng)).map { _ in var v = OTLPAnyValue(); v.value = value(depth: depth + 1); return v }
                return .arrayValue(a)
            default:
                var l = Opentelemetry_Proto_Common_V1_KeyValueList()
                l.values = (0..<Int.random(in: 0...3, using: &rng)).map { _ in OTLPFixtures.keyValue(text(), value(depth: depth + 1)) }
                return .kvlistValue(l)
            }
        }
        func attributes() -> [OTLPKeyValue] {
            (0..<Int.random(in: 0...5, using: &rng)).map { _ in
                OTLPFixtures.keyValue(Bool.random(using: &rng) ? "request_id" : text(), value(depth: 0))
            }
        }
        func id(_ length: Int) -> Data {
            switch Int.random(in: 0...5, using: &rng) {
            case 0: Data()
            case 1: Data(count: length)
            case 2: Data((0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            default: Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
        }
        for _ in 0..<300 {
            var request = OTLPExportRequest()
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                var resourceLogs = OTLPResourceLogs()
                if Bool.random(using: &rng) {
                    resourceLogs.resource.attributes = attributes()
                    if Bool.random(using: &rng) {
                        resourceLogs.resource.attributes.insert(OTLPFixtures.keyValue("service.name", .stringValue(text())), at: 0)
                    }
                }
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    var scopeLogs = OTLPScopeLogs()
                    if Bool.random(using: &rng) {
                        scopeLogs.scope.name = text()
                        scopeLogs.scope.version = text()
                        scopeLogs.scope.attributes = attributes()
                    }
                    for _ in 0..<Int.random(in: 0...4, using: &rng) {
                        var r = OTLPLogRecord()
                        r.timeUnixNano = [0, 1_700_000_000_000_000_000, UInt64.max].randomElement(using: &rng) ?? 0
                        r.observedTimeUnixNano = [0, 5].randomElement(using: &rng) ?? 0
                        r.severityNumber = Opentelemetry_Proto_Logs_V1_SeverityNumber(rawValue: Int.random(in: 0...30, using: &rng)) ?? .unspecified
                        r.severityText = ["", "error", "Warn", text()].randomElement(using: &rng) ?? ""
                        if Bool.random(using: &rng) { r.body.value = value(depth: 0) }
                        r.attributes = attributes()
                        r.traceID = id(16)
                        r.spanID = id(8)
                        r.eventName = Bool.random(using: &rng) ? text() : ""
                        scopeLogs.logRecords.append(r)
                    }
                    resourceLogs.scopeLogs.append(scopeLogs)
                }
                request.resourceLogs.append(resourceLogs)
            }
            let bytes: [UInt8] = try request.serializedBytes()
            for mapping in Self.mappings { try Self.expectSameProtobuf(bytes, mapping) }
        }
    }

    @Test func jsonBodiesGiveTheRowsOfTheRecords() throws {
        let records = [
            #"{"timeUnixNano":"1700000000000000001","severityNumber":13,"severityText":"Warning","body":{"stringValue":"slow \u00e9"},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","attributes":[{"key":"n","value":{"intValue":"9007199254740993"}},{"key":"request_id","value":{"intValue":7}},{"key":"d","value":{"doubleValue":"NaN"}}],"flags":1,"somethingNew":{"x":[1,2]},"eventName":"db.query"}"#,
            #"{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ=","severityNumber":"SEVERITY_NUMBER_FATAL","body":{"kvlistValue":{"values":[{"key":"b","value":{"arrayValue":{"values":[{"boolValue":true},{}]}}},{"key":"a","value":{"bytesValue":"AAE="}}]}}}"#,
            #"{"traceId":"xyz"}"#,
            #"{"timeUnixNano":"soon"}"#,
            #"{"observed_time_unix_nano":1700000000000000002,"attributes":[{"key":"request_id","value":{"stringValue":"r-1"}}]}"#,
            #"{}"#,
        ].joined(separator: ",")
        let body = Array(#"""
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}},{"key":"host","value":{"stringValue":"h"}}]},
         "scopeLogs":[{"scope":{"name":"s","version":"1","attributes":[{"key":"lib","value":{"intValue":"3"}}]},"logRecords":[\#(records)]},
                      {"logRecords":[\#(records)]}]},
         {"scopeLogs":[{"logRecords":[\#(records)]}]}]}
        """#.utf8)
        for mapping in Self.mappings { try Self.expectSameJSON(body, mapping) }
        #expect(try OTLPLogsDecoder.decodeJSONRows(body, receiveTime: 0).rows.count == 12)
    }
}
