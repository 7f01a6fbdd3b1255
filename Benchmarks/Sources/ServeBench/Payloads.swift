/// Synthetic request logs and their encodings: NDJSON (`/insert/jsonline`), OTLP/JSON and OTLP protobuf
/// (`/v1/logs`, the protobuf written by hand from the field numbers), and ClickHouse JSONEachRow.
struct BenchRecord {
    var timestamp: Int64
    var severity: Int      // OTLP severity number
    var level: String
    var source: String
    var traceID: [UInt8]   // 16 bytes
    var message: String
    var status: Int64
    var latencyMs: Double
    var method: String
    var path: String
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

enum Payloads {
    static let sources = ["api-gateway", "orders", "payments", "search", "users", "inventory", "billing", "auth"]
    static let paths = ["/api/orders", "/api/users/me", "/api/search", "/api/cart", "/api/payments/charge", "/healthz"]

    static func records(count: Int, now: Int64, seed: UInt64) -> [BenchRecord] {
        var rng = SplitMix(state: seed)
        var out: [BenchRecord] = []
        out.reserveCapacity(count)
        var trace = [UInt8](repeating: 0, count: 16)
        for i in 0..<count {
            if i % 8 == 0 { for k in 0..<16 { trace[k] = UInt8(truncatingIfNeeded: rng.next()) } }
            let status: Int64 = rng.below(50) == 0 ? 500 : (rng.below(10) == 0 ? 404 : 200)
            let (severity, level) = status >= 500 ? (17, "error") : (status == 404 ? (13, "warning") : (9, "info"))
            let method = rng.below(4) == 0 ? "POST" : "GET"
            let path = paths[rng.below(paths.count)] + "/\(rng.below(100_000))"
            let latency = Double(rng.below(500_000)) / 1000
            out.append(BenchRecord(timestamp: now - Int64(count - i) * 1_000_000, severity: severity, level: level,
                                   source: sources[rng.below(sources.count)], traceID: trace,
                                   message: "\(method) \(path) \(status) in \(latency) ms user=u\(rng.below(10_000)) region=eu-west-\(rng.below(3))",
                                   status: status, latencyMs: latency, method: method, path: path))
        }
        return out
    }

    // MARK: JSON text

    static func jsonString(_ s: String, _ out: inout [UInt8]) {
        out.append(0x22)
        for c in s.utf8 {
            if c == 0x22 || c == 0x5C { out.append(0x5C) }
            out.append(c)
        }
        out.append(0x22)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func ndjson(_ records: ArraySlice<BenchRecord>) -> [UInt8] {
        var out: [UInt8] = []
        for r in records {
            out += Array("{\"ts\":\(r.timestamp),\"level\":\"\(r.level)\",\"source\":".utf8)
            jsonString(r.source, &out)
            out += Array(",\"correlation_id\":\"\(hex(r.traceID))\",\"message\":".utf8)
            jsonString(r.message, &out)
            out += Array(",\"status\":\(r.status),\"latency_ms\":\(r.latencyMs),\"method\":\"\(r.method)\",\"path\":".utf8)
            jsonString(r.path, &out)
            out += Array("}\n".utf8)
        }
        return out
    }

    /// ClickHouse JSONEachRow for the `logs` table ServeBench creates: the NDJSON lines, whose keys are
    /// the table's columns.
    static func jsonEachRow(_ records: ArraySlice<BenchRecord>) -> [UInt8] { ndjson(records) }

    static func otlpJSON(_ records: ArraySlice<BenchRecord>) -> [UInt8] {
        var out = Array("{\"resourceLogs\":[".utf8)
        for (i, (source, group)) in grouped(records).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":".utf8)
            jsonString(source, &out)
            out += Array("}}]},\"scopeLogs\":[{\"logRecords\":[".utf8)
            for (j, r) in group.enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                out += Array("{\"timeUnixNano\":\"\(r.timestamp)\",\"severityNumber\":\(r.severity),\"body\":{\"stringValue\":".utf8)
                jsonString(r.message, &out)
                out += Array("},\"traceId\":\"\(hex(r.traceID))\",\"attributes\":[{\"key\":\"status\",\"value\":{\"intValue\":\"\(r.status)\"}},{\"key\":\"latency_ms\",\"value\":{\"doubleValue\":\(r.latencyMs)}},{\"key\":\"method\",\"value\":{\"stringValue\":\"\(r.method)\"}},{\"key\":\"path\",\"value\":{\"stringValue\":".utf8)
                jsonString(r.path, &out)
                out += Array("}}]}".utf8)
            }
            out += Array("]}]}".utf8)
        }
        out += Array("]}".utf8)
        return out
    }

    static func grouped(_ records: ArraySlice<BenchRecord>) -> [(String, [BenchRecord])] {
        var order: [String] = []
        var groups: [String: [BenchRecord]] = [:]
        for r in records {
            if groups[r.source] == nil { order.append(r.source) }
            groups[r.source, default: []].append(r)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    // MARK: Protobuf (field numbers of opentelemetry-proto logs/v1, common/v1, collector/logs/v1)

    static func varint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    static func tag(_ field: UInt64, _ wire: UInt64, _ out: inout [UInt8]) { varint(field << 3 | wire, &out) }

    static func bytesField(_ field: UInt64, _ bytes: [UInt8], _ out: inout [UInt8]) {
        tag(field, 2, &out)
        varint(UInt64(bytes.count), &out)
        out += bytes
    }

    static func fixed64(_ field: UInt64, _ v: UInt64, _ out: inout [UInt8]) {
        tag(field, 1, &out)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    /// KeyValue { key = 1; value = 2 (AnyValue { string 1 | int 3 | double 4 }) }
    static func keyValue(_ key: String, _ value: [UInt8]) -> [UInt8] {
        var kv: [UInt8] = []
        bytesField(1, Array(key.utf8), &kv)
        bytesField(2, value, &kv)
        return kv
    }

    static func anyString(_ s: String) -> [UInt8] { var v: [UInt8] = []; bytesField(1, Array(s.utf8), &v); return v }
    static func anyInt(_ i: Int64) -> [UInt8] { var v: [UInt8] = []; tag(3, 0, &v); varint(UInt64(bitPattern: i), &v); return v }
    static func anyDouble(_ d: Double) -> [UInt8] { var v: [UInt8] = []; fixed64(4, d.bitPattern, &v); return v }

    static func otlpProtobuf(_ records: ArraySlice<BenchRecord>) -> [UInt8] {
        var request: [UInt8] = []
        for (source, group) in grouped(records) {
            var resource: [UInt8] = []
            bytesField(1, keyValue("service.name", anyString(source)), &resource)
            var scope: [UInt8] = []
            for r in group {
                var lr: [UInt8] = []
                fixed64(1, UInt64(r.timestamp), &lr)
                tag(2, 0, &lr); varint(UInt64(r.severity), &lr)
                bytesField(5, anyString(r.message), &lr)
                bytesField(6, keyValue("status", anyInt(r.status)), &lr)
                bytesField(6, keyValue("latency_ms", anyDouble(r.latencyMs)), &lr)
                bytesField(6, keyValue("method", anyString(r.method)), &lr)
                bytesField(6, keyValue("path", anyString(r.path)), &lr)
                bytesField(9, r.traceID, &lr)
                bytesField(2, lr, &scope)
            }
            var resourceLogs: [UInt8] = []
            bytesField(1, resource, &resourceLogs)
            bytesField(2, scope, &resourceLogs)
            bytesField(1, resourceLogs, &request)
        }
        return request
    }
}
