/// Decodes Loki's JSON push body (`POST /loki/api/v1/push`, `Content-Type: application/json`), as sent
/// by Promtail, Grafana Alloy, Fluent Bit and Vector in JSON mode:
///
/// ```json
/// {"streams": [{"stream": {"service_name": "api", "env": "prod"},
///               "values": [["1700000000000000000", "GET /orders 504", {"trace_id": "3f2a…"}]]}]}
/// ```
///
/// Mapping (docs/SERVER.md, "Loki mapping"): the timestamp is the entry's nanosecond string; the
/// message is its line; the source is the label `service_name`, else `service`, else `job`, else `app`,
/// else ""; the level is the label or structured-metadata entry `level`, `detected_level` or `severity`
/// when it names a level (else info); the correlation ID is the entry's structured metadata
/// `correlation_id` or `trace_id`; every other label and metadata entry becomes a string attribute
/// (labels first, in the sender's order). A bad entry is skipped and reported with its place.
///
/// ```swift
/// let body = Array(#"{"streams":[{"stream":{"job":"api"},"values":[["1700000000000000000","hello"]]}]}"#.utf8)
/// let decoded = try LokiPushDecoder.decode(body)
/// print(decoded.records.first?.source ?? "")   // api
/// ```
public enum LokiPushDecoder {
    static let sourceLabels = ["service_name", "service", "job", "app"]
    static let levelKeys = ["level", "detected_level", "severity"]
    static let correlationKeys = ["correlation_id", "trace_id"]

    public static func decode(_ body: [UInt8]) throws(ProtocolDecodeError) -> DecodedRecords {
        let json = try JSONTreeParser.parse(body)
        guard case .object = json else { throw ProtocolDecodeError(place: "body", reason: "expected a JSON object, found \(json.typeName)") }
        guard case .array(let streams)? = json["streams"] else {
            throw ProtocolDecodeError(place: "streams", reason: "expected an array of streams")
        }
        var result = DecodedRecords()
        for (s, stream) in streams.enumerated() {
            let place = "streams[\(s)]"
            let labels = try stringMap(stream["stream"], "\(place).stream")
            guard case .array(let values)? = stream["values"] else {
                throw ProtocolDecodeError(place: "\(place).values", reason: "expected an array of [timestamp, line] entries")
            }
            for (v, entry) in values.enumerated() {
                do throws(ProtocolDecodeError) {
                    result.records.append(try record(entry, labels: labels, "\(place).values[\(v)]"))
                } catch {
                    result.rejected.append(error)
                }
            }
        }
        return result
    }

    static func record(_ entry: JSONValue, labels: [(key: String, value: String)], _ place: String) throws(ProtocolDecodeError) -> LogRecord {
        guard case .array(let parts) = entry, parts.count == 2 || parts.count == 3 else {
            throw ProtocolDecodeError(place: place, reason: "expected [timestamp, line] or [timestamp, line, metadata]")
        }
        guard case .string(let tsText) = parts[0], let timestamp = Int64(tsText) else {
            throw ProtocolDecodeError(place: "\(place)[0]", reason: "expected the timestamp as a string of nanoseconds since 1970")
        }
        guard case .string(let line) = parts[1] else {
            throw ProtocolDecodeError(place: "\(place)[1]", reason: "expected the log line as a string")
        }
        let metadata = parts.count == 3 ? try stringMap(parts[2], "\(place)[2]") : []
        var source = ""
        for key in sourceLabels {
            if let value = labels.first(where: { $0.key == key })?.value { source = value; break }
        }
        var level = LogLevel.info
        var correlationID: String?
        var attributes: [Attribute] = []
        attributes.reserveCapacity(labels.count + metadata.count)
        for (key, value) in labels + metadata {
            if levelKeys.contains(key), let parsed = LogLevel(name: value) { level = parsed; continue }
            if correlationID == nil, correlationKeys.contains(key), !value.isEmpty,
               value.utf8.count <= RecordLimits.maxCorrelationIDBytes, metadata.contains(where: { $0.key == key }) {
                correlationID = value
                continue
            }
            attributes.append(Attribute(key, .string(value)))
        }
        return LogRecord(timestamp: timestamp, level: level, source: source, correlationID: correlationID,
                         message: line, attributes: attributes)
    }

    /// An object of string values, in order; absent is empty.
    static func stringMap(_ json: JSONValue?, _ place: String) throws(ProtocolDecodeError) -> [(key: String, value: String)] {
        guard let json, json != .null else { return [] }
        guard case .object(let members) = json else { throw ProtocolDecodeError(place: place, reason: "expected an object of strings") }
        var out: [(key: String, value: String)] = []
        for (key, value) in members {
            guard case .string(let s) = value else {
                throw ProtocolDecodeError(place: "\(place).\(key)", reason: "expected a string, found \(value.typeName)")
            }
            out.append((key, s))
        }
        return out
    }
}
