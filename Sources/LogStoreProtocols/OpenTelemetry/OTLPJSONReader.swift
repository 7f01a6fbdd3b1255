#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads OTLP/JSON into the generated messages. OTLP/JSON is not proto3's JSON mapping: trace and
/// span ids are hex (base64 is accepted from lenient clients), 64-bit integers come as strings or
/// numbers, enums as numbers or names; field names are lowerCamelCase (snake_case is accepted too);
/// unknown fields are ignored.
///
/// A log record that cannot be read is skipped and reported with its place; anything wrong above the
/// log records (a resource, a scope, the structure) fails the whole body.
struct OTLPJSONReader {
    var rejected: [ProtocolDecodeError] = []

    mutating func request(_ json: JSONValue) throws(ProtocolDecodeError) -> OTLPExportRequest {
        guard case .object = json else { throw ProtocolDecodeError(place: "body", reason: "expected a JSON object, found \(json.typeName)") }
        var request = OTLPExportRequest()
        for (r, resourceJSON) in try Self.array(json.member("resourceLogs", "resource_logs"), "resourceLogs").enumerated() {
            let place = "resourceLogs[\(r)]"
            var resourceLogs = OTLPResourceLogs()
            if let resource = resourceJSON.member("resource") {
                resourceLogs.resource.attributes = try Self.keyValues(resource.member("attributes"), "\(place).resource.attributes")
            }
            for (s, scopeJSON) in try Self.array(resourceJSON.member("scopeLogs", "scope_logs"), "\(place).scopeLogs").enumerated() {
                let scopePlace = "\(place).scopeLogs[\(s)]"
                var scopeLogs = OTLPScopeLogs()
                if let scope = scopeJSON.member("scope") {
                    scopeLogs.scope.name = try Self.string(scope.member("name"), "\(scopePlace).scope.name")
                    scopeLogs.scope.version = try Self.string(scope.member("version"), "\(scopePlace).scope.version")
                    scopeLogs.scope.attributes = try Self.keyValues(scope.member("attributes"), "\(scopePlace).scope.attributes")
                }
                for (i, recordJSON) in try Self.array(scopeJSON.member("logRecords", "log_records"), "\(scopePlace).logRecords").enumerated() {
                    do throws(ProtocolDecodeError) {
                        scopeLogs.logRecords.append(try Self.logRecord(recordJSON, "\(scopePlace).logRecords[\(i)]"))
                    } catch {
                        rejected.append(error)
                    }
                }
                resourceLogs.scopeLogs.append(scopeLogs)
            }
            request.resourceLogs.append(resourceLogs)
        }
        return request
    }

    static func logRecord(_ json: JSONValue, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> OTLPLogRecord {
        guard case .object = json else { throw ProtocolDecodeError(place: place(), reason: "expected an object, found \(json.typeName)") }
        var record = OTLPLogRecord()
        record.timeUnixNano = try unsigned(json.member("timeUnixNano", "time_unix_nano"), "\(place()).timeUnixNano")
        record.observedTimeUnixNano = try unsigned(json.member("observedTimeUnixNano", "observed_time_unix_nano"),
                                                   "\(place()).observedTimeUnixNano")
        record.severityNumber = try severity(json.member("severityNumber", "severity_number"), "\(place()).severityNumber")
        record.severityText = try string(json.member("severityText", "severity_text"), "\(place()).severityText")
        if let body = json.member("body") { record.body = try anyValue(body, "\(place()).body", depth: 0) }
        record.attributes = try keyValues(json.member("attributes"), "\(place()).attributes")
        record.traceID = try id(json.member("traceId", "trace_id"), length: 16, "\(place()).traceId")
        record.spanID = try id(json.member("spanId", "span_id"), length: 8, "\(place()).spanId")
        record.eventName = try string(json.member("eventName", "event_name"), "\(place()).eventName")
        return record
    }

    static func keyValues(_ json: JSONValue?, _ place: @autoclosure () -> String, depth: Int = 0) throws(ProtocolDecodeError) -> [OTLPKeyValue] {
        var out: [OTLPKeyValue] = []
        for (k, element) in try array(json, place()).enumerated() {
            var kv = OTLPKeyValue()
            kv.key = try string(element.member("key"), "\(place())[\(k)].key")
            if let value = element.member("value") { kv.value = try anyValue(value, "\(place())[\(k)].value", depth: depth) }
            out.append(kv)
        }
        return out
    }

    /// `{"stringValue": …}`, `{"intValue": "5"}`, `{"arrayValue": {"values": […]}}`, …; `{}` is an empty value.
    static func anyValue(_ json: JSONValue, _ place: @autoclosure () -> String, depth: Int) throws(ProtocolDecodeError) -> OTLPAnyValue {
        guard depth < 32 else { throw ProtocolDecodeError(place: place(), reason: "values nested deeper than 32 levels") }
        guard case .object(let members) = json else {
            throw ProtocolDecodeError(place: place(), reason: "expected an AnyValue object such as {\"stringValue\": \"…\"}, found \(json.typeName)")
        }
        var value = OTLPAnyValue()
        for (key, member) in members where member != .null {
            switch key {
            case "stringValue", "string_value": value.value = .stringValue(try string(member, "\(place()).stringValue"))
            case "boolValue", "bool_value":
                guard case .bool(let b) = member else { throw mismatch(member, "a boolean", "\(place()).boolValue") }
                value.value = .boolValue(b)
            case "intValue", "int_value": value.value = .intValue(try signed(member, "\(place()).intValue"))
            case "doubleValue", "double_value": value.value = .doubleValue(try double(member, "\(place()).doubleValue"))
            case "bytesValue", "bytes_value":
                let text = try string(member, "\(place()).bytesValue")
                guard let bytes = Base64.decode(text) else { throw ProtocolDecodeError(place: "\(place()).bytesValue", reason: "not base64") }
                value.value = .bytesValue(Data(bytes))
            case "arrayValue", "array_value":
                var array = Opentelemetry_Proto_Common_V1_ArrayValue()
                for (i, element) in try Self.array(member.member("values"), "\(place()).arrayValue.values").enumerated() {
                    array.values.append(try anyValue(element, "\(place()).arrayValue.values[\(i)]", depth: depth + 1))
                }
                value.value = .arrayValue(array)
            case "kvlistValue", "kvlist_value":
                var list = Opentelemetry_Proto_Common_V1_KeyValueList()
                list.values = try keyValues(member.member("values"), "\(place()).kvlistValue.values", depth: depth + 1)
                value.value = .kvlistValue(list)
            default: continue
            }
        }
        return value
    }

    // MARK: Scalars

    static func mismatch(_ json: JSONValue, _ expected: String, _ place: @autoclosure () -> String) -> ProtocolDecodeError {
        ProtocolDecodeError(place: place(), reason: "expected \(expected), found \(json.typeName)")
    }

    static func array(_ json: JSONValue?, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> [JSONValue] {
        guard let json else { return [] }
        guard case .array(let elements) = json else { throw mismatch(json, "an array", place()) }
        return elements
    }

    static func string(_ json: JSONValue?, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> String {
        guard let json else { return "" }
        guard case .string(let s) = json else { throw mismatch(json, "a string", place()) }
        return s
    }

    /// An integer given as a JSON number or a decimal string.
    static func integerText(_ json: JSONValue, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> String {
        switch json {
        case .number(let n), .string(let n): return n
        default: throw mismatch(json, "an integer (a number or a decimal string)", place())
        }
    }

    static func unsigned(_ json: JSONValue?, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> UInt64 {
        guard let json else { return 0 }
        let text = try integerText(json, place())
        if let v = UInt64(text) { return v }
        // 1.7e18 or 1700000000000000000.0: exact when the double is an integer.
        if let d = Double(text), d >= 0, d < 18_446_744_073_709_551_616, d == d.rounded() { return UInt64(d) }
        throw ProtocolDecodeError(place: place(), reason: "\"\(text)\" is not an unsigned 64-bit integer")
    }

    static func signed(_ json: JSONValue, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> Int64 {
        let text = try integerText(json, place())
        if let v = Int64(text) { return v }
        if let d = Double(text), d >= -9_223_372_036_854_775_808, d < 9_223_372_036_854_775_808, d == d.rounded() { return Int64(d) }
        throw ProtocolDecodeError(place: place(), reason: "\"\(text)\" is not a signed 64-bit integer")
    }

    static func double(_ json: JSONValue, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> Double {
        switch json {
        case .number(let n): if let d = Double(n) { return d }
        case .string(let s):
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: if let d = Double(s) { return d }
            }
        default: break
        }
        throw mismatch(json, "a number", place())
    }

    static func severity(_ json: JSONValue?, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> Opentelemetry_Proto_Logs_V1_SeverityNumber {
        guard let json else { return .unspecified }
        if case .string(let name) = json, name.hasPrefix("SEVERITY_NUMBER_") {
            let names = ["UNSPECIFIED", "TRACE", "TRACE2", "TRACE3", "TRACE4", "DEBUG", "DEBUG2", "DEBUG3", "DEBUG4",
                         "INFO", "INFO2", "INFO3", "INFO4", "WARN", "WARN2", "WARN3", "WARN4",
                         "ERROR", "ERROR2", "ERROR3", "ERROR4", "FATAL", "FATAL2", "FATAL3", "FATAL4"]
            if let index = names.firstIndex(of: String(name.dropFirst("SEVERITY_NUMBER_".count))) {
                return Opentelemetry_Proto_Logs_V1_SeverityNumber(rawValue: index) ?? .unspecified
            }
            throw ProtocolDecodeError(place: place(), reason: "unknown severity name \"\(name)\"")
        }
        let n = try signed(json, place())
        guard n >= Int64(Int32.min), n <= Int64(Int32.max) else {
            throw ProtocolDecodeError(place: place(), reason: "\(n) is not a severity number (0–24)")
        }
        return Opentelemetry_Proto_Logs_V1_SeverityNumber(rawValue: Int(n)) ?? .UNRECOGNIZED(Int(n))
    }

    /// A trace or span id: hex as OTLP/JSON specifies, or base64 as proto3 JSON clients send.
    static func id(_ json: JSONValue?, length: Int, _ place: @autoclosure () -> String) throws(ProtocolDecodeError) -> Data {
        guard let json else { return Data() }
        let text = try string(json, place())
        if text.isEmpty { return Data() }
        if text.utf8.count == length * 2, let bytes = bytesFromHex(text) { return Data(bytes) }
        if let bytes = Base64.decode(text), bytes.count == length { return Data(bytes) }
        throw ProtocolDecodeError(place: place(), reason: "\"\(text)\" is neither \(length * 2) hex digits nor base64 of \(length) bytes")
    }
}
