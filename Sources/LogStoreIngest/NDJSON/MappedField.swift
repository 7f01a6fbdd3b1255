/// The record fields that top-level JSON keys map onto, and the keys that feed each one.
///
/// Keys are case-sensitive. When several keys of one field are present, the one listed first below wins
/// regardless of input order; the others stay attributes. A repeated identical key keeps its first value.
///
/// - timestamp: `timestamp`, `ts`, `time`, `@timestamp`
/// - level: `level`, `log_level`, `severity`, `lvl`
/// - source: `source`, `worker_name`, `service`, `logger`
/// - correlation ID: `correlation_id`, `correlationId`, `trace_id`
/// - message: `message`, `msg`
enum MappedField: Int, CaseIterable {
    case timestamp, level, source, correlationID, message

    /// The field that the key `p[0..<n]` maps to and the key's rank (0 = highest priority), or nil.
    @inline(__always)
    static func classify(_ p: UnsafePointer<UInt8>, count n: Int) -> (field: MappedField, rank: Int)? {
        @inline(__always) func eq(_ literal: StaticString) -> Bool {
            let q = literal.utf8Start
            for k in 0..<n where p[k] != q[k] { return false }
            return true
        }
        switch n {
        case 2: if eq("ts") { return (.timestamp, 1) }
        case 3:
            if eq("msg") { return (.message, 1) }
            if eq("lvl") { return (.level, 3) }
        case 4: if eq("time") { return (.timestamp, 2) }
        case 5: if eq("level") { return (.level, 0) }
        case 6:
            if eq("source") { return (.source, 0) }
            if eq("logger") { return (.source, 3) }
        case 7:
            if eq("message") { return (.message, 0) }
            if eq("service") { return (.source, 2) }
        case 8:
            if eq("severity") { return (.level, 2) }
            if eq("trace_id") { return (.correlationID, 2) }
        case 9:
            if eq("timestamp") { return (.timestamp, 0) }
            if eq("log_level") { return (.level, 1) }
        case 10: if eq("@timestamp") { return (.timestamp, 3) }
        case 11: if eq("worker_name") { return (.source, 1) }
        case 13: if eq("correlationId") { return (.correlationID, 1) }
        case 14: if eq("correlation_id") { return (.correlationID, 0) }
        default: break
        }
        return nil
    }
}
