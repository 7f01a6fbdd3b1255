#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SwiftProtobuf

/// Turns decoded OTLP messages into records (docs/SERVER.md, "OTLP mapping"):
///
/// - timestamp: `time_unix_nano`, else `observed_time_unix_nano`, else the receive time;
/// - level: `severity_number` 1–4 trace, 5–8 debug, 9–12 info, 13–16 warning, 17–20 error, 21–24
///   critical; 0 (unspecified) or an unknown number: the level named by `severity_text` if it names one,
///   else info; `severity_text` is kept as the attribute `severity_text`;
/// - source: the resource attribute `service.name`;
/// - correlation ID: `trace_id` in lowercase hex, or the configured attribute (``OTLPMappingOptions``);
/// - attributes, in this order: the record's own, `span_id` (hex), `event_name`, `scope.name`,
///   `scope.version`, `scope.<key>` for scope attributes, `resource.<key>` for resource attributes other
///   than `service.name`; arrays, maps and bytes as JSON text (bytes as a base64 JSON string);
/// - message: a string body as it is, any other body as JSON text, no body as "".
///
/// A record is rejected, with its place, when its timestamp is beyond what a signed 64-bit nanosecond
/// count holds, its `trace_id` or `span_id` has the wrong length, or its correlation ID exceeds 255 bytes.
struct OTLPRecordMapper {
    let options: OTLPMappingOptions
    let receiveTime: Int64

    func map(_ request: OTLPExportRequest, into result: inout DecodedRecords) {
        for (r, resourceLogs) in request.resourceLogs.enumerated() {
            let resource = ResourceContext(resourceLogs.resource)
            for (s, scopeLogs) in resourceLogs.scopeLogs.enumerated() {
                let scope = ScopeContext(scopeLogs.hasScope ? scopeLogs.scope : nil)
                for (i, record) in scopeLogs.logRecords.enumerated() {
                    do throws(ProtocolDecodeError) {
                        result.records.append(try map(record, resource: resource, scope: scope))
                    } catch {
                        let place = "resourceLogs[\(r)].scopeLogs[\(s)].logRecords[\(i)]"
                        result.rejected.append(ProtocolDecodeError(
                            place: error.place.isEmpty ? place : "\(place).\(error.place)", reason: error.reason))
                    }
                }
            }
        }
    }

    /// What every record of one resource shares.
    struct ResourceContext {
        var source = ""
        var attributes: [Attribute] = []

        init(_ resource: OTLPResource?) {
            guard let resource else { return }
            for kv in resource.attributes {
                if kv.key == "service.name", case .stringValue(let name)? = kv.value.value, source.isEmpty {
                    source = name
                } else {
                    attributes.append(Attribute("resource." + kv.key, OTLPValues.attributeValue(kv.value)))
                }
            }
        }
    }

    /// What every record of one instrumentation scope shares.
    struct ScopeContext {
        var attributes: [Attribute] = []

        init(_ scope: OTLPScope?) {
            guard let scope else { return }
            if !scope.name.isEmpty { attributes.append(Attribute("scope.name", .string(scope.name))) }
            if !scope.version.isEmpty { attributes.append(Attribute("scope.version", .string(scope.version))) }
            for kv in scope.attributes {
                attributes.append(Attribute("scope." + kv.key, OTLPValues.attributeValue(kv.value)))
            }
        }
    }

    func map(_ record: OTLPLogRecord, resource: ResourceContext, scope: ScopeContext) throws(ProtocolDecodeError) -> LogRecord {
        let timestamp = try Self.timestamp(record, receiveTime: receiveTime)
        var attributes: [Attribute] = []
        attributes.reserveCapacity(record.attributes.count + resource.attributes.count + scope.attributes.count + 4)
        var correlationID: String?
        for kv in record.attributes {
            if let key = options.correlationAttribute, kv.key == key, correlationID == nil,
               let id = OTLPValues.correlationText(kv.value) {
                correlationID = id
                continue
            }
            attributes.append(Attribute(kv.key, OTLPValues.attributeValue(kv.value)))
        }
        let traceID = try Self.hexID(record.traceID, length: 16, field: "traceId")
        if let traceID {
            if correlationID == nil { correlationID = traceID } else { attributes.append(Attribute("trace_id", .string(traceID))) }
        }
        if let spanID = try Self.hexID(record.spanID, length: 8, field: "spanId") {
            attributes.append(Attribute("span_id", .string(spanID)))
        }
        if !record.severityText.isEmpty { attributes.append(Attribute("severity_text", .string(record.severityText))) }
        if !record.eventName.isEmpty { attributes.append(Attribute("event_name", .string(record.eventName))) }
        attributes.append(contentsOf: scope.attributes)
        attributes.append(contentsOf: resource.attributes)
        if let id = correlationID, id.utf8.count > RecordLimits.maxCorrelationIDBytes {
            throw ProtocolDecodeError(place: options.correlationAttribute.map { "attributes.\($0)" } ?? "traceId",
                                      reason: "correlation ID of \(id.utf8.count) bytes exceeds \(RecordLimits.maxCorrelationIDBytes) bytes")
        }
        return LogRecord(timestamp: timestamp, level: Self.level(record.severityNumber.rawValue, text: record.severityText),
                         source: resource.source, correlationID: correlationID,
                         message: record.hasBody ? OTLPValues.messageText(record.body) : "", attributes: attributes)
    }

    static func timestamp(_ record: OTLPLogRecord, receiveTime: Int64) throws(ProtocolDecodeError) -> Int64 {
        let value: UInt64
        let field: String
        if record.timeUnixNano != 0 {
            (value, field) = (record.timeUnixNano, "timeUnixNano")
        } else if record.observedTimeUnixNano != 0 {
            (value, field) = (record.observedTimeUnixNano, "observedTimeUnixNano")
        } else {
            return receiveTime
        }
        guard value <= UInt64(Int64.max) else {
            throw ProtocolDecodeError(place: field, reason: "\(value) ns lies beyond the year 2262; send nanoseconds since 1970")
        }
        return Int64(value)
    }

    /// The OTLP severity number's range as a level; 0 or unknown: the level `text` names, else info.
    static func level(_ number: Int, text: String) -> LogLevel {
        switch number {
        case 1...4: .trace
        case 5...8: .debug
        case 9...12: .info
        case 13...16: .warning
        case 17...20: .error
        case 21...24: .critical
        default: LogLevel(name: text) ?? .info
        }
    }

    /// Lowercase hex of a trace or span id; nil when absent (empty or all zero, which OTLP calls invalid).
    static func hexID(_ bytes: Data, length: Int, field: String) throws(ProtocolDecodeError) -> String? {
        if bytes.isEmpty || bytes.withUnsafeBytes({ $0.allSatisfy { $0 == 0 } }) { return nil }
        guard bytes.count == length else {
            throw ProtocolDecodeError(place: field, reason: "\(bytes.count) bytes, expected \(length)")
        }
        return hexString(bytes)
    }
}
