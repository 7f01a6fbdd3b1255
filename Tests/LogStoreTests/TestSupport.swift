import Foundation
import Testing
@testable import LogStore


/// Now, in nanoseconds since the epoch.
func nowNanos() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }


/// Realistic records: sources, correlation IDs shared by several records, templated messages,
/// attributes, and some late (out-of-order) timestamps.
func makeRecords(_ n: Int, seed: UInt64, base: Int64 = nowNanos() - 3_600_000_000_000, spread: Int64 = 3_000_000_000_000,
                 lateFraction: Double = 0.05) -> [LogRecord] {
    var rng = SeededRandom(seed: seed)
    let sources = ["api-worker", "billing", "auth", "scheduler", "mailer"]
    let paths = ["/users", "/orders", "/login", "/health"]
    var ids: [String] = []
    var out: [LogRecord] = []
    out.reserveCapacity(n)
    for i in 0..<n {
        if ids.isEmpty || Int.random(in: 0..<5, using: &rng) == 0 {
            let useUUID = Bool.random(using: &rng)
            ids.append(useUUID ? UUID(uuid: (UInt8.random(in: 0...255, using: &rng), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, UInt8(i % 256))).uuidString.lowercased()
                               : "job-\(Int.random(in: 0..<1_000_000, using: &rng))")
            if ids.count > 20 { ids.removeFirst() }
        }
        var ts = base + spread * Int64(i) / Int64(max(n, 1))
        if Double.random(in: 0..<1, using: &rng) < lateFraction { ts -= Int64.random(in: 0..<(spread / 2), using: &rng) }
        let level = LogLevel.allCases.randomElement(using: &rng) ?? .info
        let status = [200, 201, 404, 500].randomElement(using: &rng) ?? 200
        let path = paths.randomElement(using: &rng) ?? "/"
        var attrs: [Attribute] = [Attribute("method", .string("GET")), Attribute("path", .string(path)),
                                  Attribute("status", .int(Int64(status))),
                                  Attribute("latency_ms", .double(Double(Int.random(in: 1...5000, using: &rng)) / 10))]
        if Bool.random(using: &rng) { attrs.append(Attribute("cached", .bool(Bool.random(using: &rng)))) }
        out.append(LogRecord(timestamp: ts, level: level, source: sources.randomElement(using: &rng) ?? "x",
                             correlationID: Int.random(in: 0..<10, using: &rng) == 0 ? nil : ids.randomElement(using: &rng),
                             message: "request \(path) finished with \(status) after \(i % 97) ms Ünïcode",
                             attributes: attrs))
    }
    return out
}

/// The reference answer: filter and sort in memory.
func reference(_ records: [LogRecord], _ q: LogQuery) -> [LogRecord] {
    var out = records.filter { r in
        if let s = q.since, r.timestamp < s { return false }
        if let u = q.until, r.timestamp >= u { return false }
        if let l = q.levels, !l.contains(r.level) { return false }
        if !q.sources.isEmpty && !q.sources.contains(r.source) { return false }
        if let c = q.correlationID, r.correlationID != c { return false }
        if let t = q.messageContains {
            if q.caseInsensitive ? !r.message.lowercased().contains(t.lowercased()) : !r.message.contains(t) { return false }
        }
        for f in q.attributes {
            guard let v = r.attribute(f.key), f.matches(v) else { return false }
        }
        if let a = q.after {
            let c = QueryCursor(r)
            if q.order == .ascending ? !(a < c) : !(c < a) { return false }
        }
        return true
    }
    out.sort { QueryCursor($0) < QueryCursor($1) }
    if q.order == .descending { out.reverse() }
    if let l = q.limit { out = Array(out.prefix(l)) }
    return out
}
