import Foundation
@testable import LogStoreProtocols
import SwiftProtobuf

/// Builders for OTLP messages in tests.
enum OTLPFixtures {
    static func keyValue(_ key: String, _ value: OTLPAnyValue.OneOf_Value?) -> OTLPKeyValue {
        var kv = OTLPKeyValue()
        kv.key = key
        kv.value.value = value
        return kv
    }

    static var traceID: Data { Data((1...16).map { UInt8($0) }) }   // computed: a global Data is reported by LeakSanitizer
    static var spanID: Data { Data((101...108).map { UInt8($0) }) }

    /// One resource (service "checkout"), one scope, the given records.
    static func request(_ records: [OTLPLogRecord], service: String = "checkout") -> OTLPExportRequest {
        var resource = OTLPResourceLogs()
        resource.resource.attributes = [keyValue("service.name", .stringValue(service)), keyValue("host.name", .stringValue("web-1"))]
        var scope = OTLPScopeLogs()
        scope.scope.name = "app.logger"
        scope.scope.version = "1.2"
        scope.logRecords = records
        resource.scopeLogs = [scope]
        var request = OTLPExportRequest()
        request.resourceLogs = [resource]
        return request
    }

    static func record(time: UInt64 = 1_700_000_000_123_456_789, severity: Int = 17, text: String = "ERROR",
                       body: String = "payment failed") -> OTLPLogRecord {
        var r = OTLPLogRecord()
        r.timeUnixNano = time
        r.observedTimeUnixNano = time + 5
        r.severityNumber = Opentelemetry_Proto_Logs_V1_SeverityNumber(rawValue: severity) ?? .unspecified
        r.severityText = text
        r.body.value = .stringValue(body)
        r.attributes = [keyValue("http.status", .intValue(502)), keyValue("retry", .boolValue(true)),
                        keyValue("latency", .doubleValue(1.5))]
        r.traceID = traceID
        r.spanID = spanID
        return r
    }
}
