import LogStore
import LogStoreFormat

extension JSONWriter {
    /// A record as one JSON object: `seq`, `timestamp` (RFC 3339), `timestamp_ns`, `level`, `source`,
    /// `correlation_id` (or null), `message`, `attributes` (an object, in stored order). The form of
    /// `logstore query --format ndjson`, `logstore export` and the server's query and tail answers
    /// (docs/SERVER.md).
    package mutating func record(_ r: LogRecord) {
        raw("{\"seq\":\(r.sequence),\"timestamp\":\"\(TimestampParser.formatRFC3339(r.timestamp))\",\"timestamp_ns\":\(r.timestamp),\"level\":\"\(r.level.name)\",\"source\":")
        string(r.source)
        raw(",\"correlation_id\":")
        if let id = r.correlationID { string(id) } else { raw("null") }
        raw(",\"message\":")
        string(r.message)
        raw(",\"attributes\":")
        attributes(r.attributes)
        raw("}")
    }
}
