#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import LogStore
import LogStoreFormat

/// Writes records as NDJSON in the layout `logstore ingest` reads: `timestamp` (RFC 3339, nanoseconds,
/// UTC), `level`, `source`, `correlation_id`, `message`, then every attribute as a top-level field.
///
/// The workflow shape writes `timestamp` as epoch milliseconds (its `timestamp_ms`), and its `payload.*`
/// attributes as one nested `payload` object, which `logstore ingest` flattens back into the same
/// dotted keys.
enum NDJSONWriter {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes `records` to `path`; returns the byte count.
    static func write(_ records: [LogRecord], to path: String, shape: DatasetShape = .request) throws -> Int {
        guard let file = fopen(path, "wb") else { throw WriteError(description: "cannot create \(path): errno \(errno)") }
        defer { fclose(file) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4 << 20)
        var total = 0
        for r in records {
            if shape == .workflow { appendWorkflow(r, to: &buffer) } else { append(r, to: &buffer) }
            if buffer.count >= 4 << 20 {
                total += try flush(&buffer, file, path)
            }
        }
        total += try flush(&buffer, file, path)
        return total
    }

    /// Byte length of one record's NDJSON line, newline included.
    static func lineLength(_ r: LogRecord) -> Int {
        var b: [UInt8] = []
        append(r, to: &b)
        return b.count
    }

    private static func flush(_ buffer: inout [UInt8], _ file: UnsafeMutablePointer<FILE>, _ path: String) throws -> Int {
        let n = buffer.count
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, n, file) }
        guard written == n else { throw WriteError(description: "short write to \(path)") }
        buffer.removeAll(keepingCapacity: true)
        return n
    }

    static func append(_ r: LogRecord, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"timestamp":""#.utf8)
        appendRFC3339(r.timestamp, to: &out)
        out.append(contentsOf: #"","level":""#.utf8)
        out.append(contentsOf: r.level.name.utf8)
        out.append(contentsOf: #"","source":"#.utf8)
        appendString(r.source, to: &out)
        if let id = r.correlationID {
            out.append(contentsOf: #","correlation_id":"#.utf8)
            appendString(id, to: &out)
        }
        out.append(contentsOf: #","message":"#.utf8)
        appendString(r.message, to: &out)
        for a in r.attributes {
            out.append(UInt8(ascii: ","))
            appendString(a.key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(a.value, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    static func appendValue(_ value: AttributeValue, to out: inout [UInt8]) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .int(let v): out.append(contentsOf: String(v).utf8)
        case .double(let v): out.append(contentsOf: (v.isFinite ? v.description : "null").utf8)
        case .bool(let v): out.append(contentsOf: (v ? "true" : "false").utf8)
        }
    }

    /// A workflow-shape line: `{"timestamp":<epoch ms>,"level":…,"source":<workflow_name>,
    /// "correlation_id":<workflow_instance_id>,"message":…,"workflow_id":…,"task_name":…,
    /// "task_instance_id":…,"payload":{…}}`.
    static func appendWorkflow(_ r: LogRecord, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"timestamp":"#.utf8)
        out.append(contentsOf: String(r.timestamp / 1_000_000).utf8)
        out.append(contentsOf: #","level":""#.utf8)
        out.append(contentsOf: r.level.name.utf8)
        out.append(contentsOf: #"","source":"#.utf8)
        appendString(r.source, to: &out)
        if let id = r.correlationID {
            out.append(contentsOf: #","correlation_id":"#.utf8)
            appendString(id, to: &out)
        }
        out.append(contentsOf: #","message":"#.utf8)
        appendString(r.message, to: &out)
        var inPayload = false
        for a in r.attributes {
            if a.key.utf8.starts(with: "payload.".utf8) {
                out.append(contentsOf: (inPayload ? "," : #","payload":{"#).utf8)
                inPayload = true
                appendString(String(a.key.dropFirst(8)), to: &out)
            } else {
                out.append(UInt8(ascii: ","))
                appendString(a.key, to: &out)
            }
            out.append(UInt8(ascii: ":"))
            appendValue(a.value, to: &out)
        }
        if inPayload { out.append(UInt8(ascii: "}")) }
        out.append(contentsOf: "}\n".utf8)
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `2025-11-22T20:31:05.123456789Z`.
    static func appendRFC3339(_ ns: Int64, to out: inout [UInt8]) {
        var seconds = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction < 0 { fraction += 1_000_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secOfDay = seconds % 86_400
        if secOfDay < 0 { secOfDay += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        func digits(_ v: Int64, _ width: Int) {
            var buf = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                buf[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
            out.append(contentsOf: buf)
        }
        digits(y, 4); out.append(UInt8(ascii: "-"))
        digits(m, 2); out.append(UInt8(ascii: "-"))
        digits(d, 2); out.append(UInt8(ascii: "T"))
        digits(secOfDay / 3600, 2); out.append(UInt8(ascii: ":"))
        digits(secOfDay / 60 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(secOfDay % 60, 2); out.append(UInt8(ascii: "."))
        digits(fraction, 9); out.append(UInt8(ascii: "Z"))
    }

    /// Howard Hinnant's days-to-civil algorithm.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
