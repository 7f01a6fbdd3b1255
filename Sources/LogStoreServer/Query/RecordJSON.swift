import LogStore
import LogStoreIngest

extension JSONWriter {
    /// A record as `logstore query --format ndjson` writes it: `seq`, `timestamp` (RFC 3339),
    /// `timestamp_ns`, `level`, `source`, `correlation_id` (or null), `message`, `attributes`.
    mutating func record(_ r: LogRecord) {
        raw("{\"seq\":\(r.sequence),\"timestamp\":\"\(TimestampParser.formatRFC3339(r.timestamp))\",\"timestamp_ns\":\(r.timestamp),\"level\":\"\(r.level.name)\",\"source\":")
        string(r.source)
        raw(",\"correlation_id\":")
        if let id = r.correlationID { string(id) } else { raw("null") }
        raw(",\"message\":")
        string(r.message)
        raw(",\"attributes\":{")
        for (i, a) in r.attributes.enumerated() {
            if i > 0 { raw(",") }
            key(a.key)
            value(a.value)
        }
        raw("}}")
    }

    mutating func value(_ v: AttributeValue) {
        switch v {
        case .string(let s): string(s)
        case .int(let i): raw(String(i))
        case .double(let d): double(d)
        case .bool(let b): raw(b ? "true" : "false")
        }
    }
}
