import LogStore
import LogStoreFormat

/// The generated request-log dataset, shared by every contender and workload.
///
/// Records are in *arrival* order (the order a collector would append them): timestamps rise with
/// arrival except for ~1 % late records stamped up to an hour earlier. The newest timestamp lies a few
/// seconds before generation time, because the store drops records older than its retention at ingest.
struct Dataset: Sendable {
    var shape: DatasetShape = .request
    var records: [LogRecord]
    /// Timestamp of the first arrival and of the newest record (ns since the epoch).
    var arrivalStart: Int64
    var end: Int64
    /// Oldest timestamp present (late records reach before `arrivalStart`).
    var oldest: Int64
    var lateRecords: Int
    /// Every record's timestamp, sorted, to check range-query answers.
    var sortedTimestamps: [Int64]
    /// Records per correlation ID.
    var correlationCounts: [String: Int]
    var distinctCorrelationIDs: [String]
    var recordsWithoutCorrelation: Int
    var levelCounts: [LogLevel: Int]
    /// The substring for the full-scan count workload and how many messages contain it.
    var substringToken: String
    var substringMatches: Int
    /// NDJSON form of the same records.
    var ndjsonPath: String
    var ndjsonBytes: Int

    var count: Int { records.count }
    var bytesPerRecord: Double { Double(ndjsonBytes) / Double(max(records.count, 1)) }

    /// Records whose timestamp is in `[since, until)`.
    func expectedInRange(since: Int64, until: Int64) -> Int {
        lowerBound(until) - lowerBound(since)
    }

    private func lowerBound(_ t: Int64) -> Int {
        var lo = 0, hi = sortedTimestamps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedTimestamps[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Expected `countByLevel` answer for records with timestamp ≥ `since`.
    func expectedLevelCounts(since: Int64) -> [LogLevel: Int] {
        var out: [LogLevel: Int] = [:]
        for r in records where r.timestamp >= since { out[r.level, default: 0] += 1 }
        return out
    }
}

/// Builds a realistic, seeded request-log dataset.
struct DatasetGenerator {
    var count: Int
    var seed: UInt64
    /// Arrival span; timestamps end `endLag` before now.
    var span: Int64 = 6 * 3600 * 1_000_000_000
    var endLag: Int64 = 2_000_000_000
    var lateFraction = 0.01
    var maxLateness: Int64 = 3600 * 1_000_000_000
    /// Requests in flight at once; their records interleave.
    var concurrency = 48
    /// Request logs or workflow logs (see `DatasetShape`).
    var shape: DatasetShape = .request

    static let substringToken = "timeout"

    func generate(now: Int64, ndjsonPath: String) throws -> Dataset {
        var rng = SplitMix64(seed: seed)
        let end = now - endLag
        let start = end - span
        let step = Double(span) / Double(max(count, 1))
        var records: [LogRecord] = []
        records.reserveCapacity(count)
        var active: [Request] = []
        var runs: [WorkflowRun] = []
        var payloadSubstring = 0
        var payloadBuffer: [UInt8] = []
        var late = 0
        var withoutID = 0
        var counts: [String: Int] = [:]
        var ids: [String] = []
        var levels: [LogLevel: Int] = [:]
        var substring = 0

        for i in 0..<count {
            // Arrival time: evenly spread with jitter, the last one exactly at `end`.
            var arrival = start + Int64(Double(i + 1) * step)
            if i < count - 1 { arrival -= Int64(rng.unit() * step * 0.9) }
            var timestamp = arrival
            if i < count - 1 && rng.chance(lateFraction) {
                timestamp -= 1_000_000_000 + Int64(rng.unit() * Double(maxLateness - 1_000_000_000))
                late += 1
            }

            let record: LogRecord
            if shape == .workflow {
                // Whole milliseconds (timestamp_ms); every record belongs to a workflow instance.
                timestamp = timestamp / 1_000_000 * 1_000_000
                if runs.count < concurrency || runs.isEmpty { runs.append(WorkflowRun.start(rng: &rng)) }
                let slot = rng.below(runs.count)
                record = runs[slot].next(timestamp, rng: &rng)
                let id = runs[slot].instanceID
                if counts[id] == nil { ids.append(id) }
                counts[id, default: 0] += 1
                if runs[slot].isDone { runs.swapAt(slot, runs.count - 1); runs.removeLast() }
                record.workflowPayloadJSON(into: &payloadBuffer)
                if payloadBuffer.utf8Contains(Self.substringToken) { payloadSubstring += 1 }
            } else if rng.chance(0.03) {
                // Background chatter without correlation ID (health checks, heartbeats).
                record = Templates.heartbeat(timestamp: timestamp, rng: &rng)
                withoutID += 1
            } else {
                if active.count < concurrency || active.isEmpty {
                    active.append(Request.start(rng: &rng))
                }
                let slot = rng.below(active.count)
                record = active[slot].nextRecord(timestamp: timestamp, rng: &rng)
                let id = active[slot].id
                if counts[id] == nil { ids.append(id) }
                counts[id, default: 0] += 1
                if active[slot].remaining == 0 { active.swapAt(slot, active.count - 1); active.removeLast() }
            }
            levels[record.level, default: 0] += 1
            if record.message.utf8Contains(Self.substringToken) { substring += 1 }
            records.append(record)
        }
        // Requests still in flight at the end have fewer records than planned; that is realistic and
        // `correlationCounts` has their true counts.
        // The peers search the workflow shape's payload column, which holds the message: the token
        // must occur nowhere else in it, or their answers would differ from LogStore's.
        precondition(shape != .workflow || payloadSubstring == substring,
                     "workflow payloads contain \(Self.substringToken) outside the message")
        let bytes = try NDJSONWriter.write(records, to: ndjsonPath, shape: shape)
        let timestamps = records.map(\.timestamp).sorted()
        return Dataset(shape: shape, records: records, arrivalStart: start, end: end, oldest: timestamps.first ?? start,
                       lateRecords: late, sortedTimestamps: timestamps, correlationCounts: counts,
                       distinctCorrelationIDs: ids, recordsWithoutCorrelation: withoutID, levelCounts: levels,
                       substringToken: Self.substringToken, substringMatches: substring,
                       ndjsonPath: ndjsonPath, ndjsonBytes: bytes)
    }
}

extension String {
    /// Byte-wise substring test (what the store's `messageContains` does for ASCII needles).
    func utf8Contains(_ needle: String) -> Bool {
        Array(utf8).utf8Contains(needle)
    }
}

extension Array where Element == UInt8 {
    /// Byte-wise substring test.
    func utf8Contains(_ needle: String) -> Bool {
        let h = self, n = Array(needle.utf8)
        guard !n.isEmpty else { return true }
        guard h.count >= n.count else { return false }
        outer: for i in 0...(h.count - n.count) where h[i] == n[0] {
            for j in 1..<n.count where h[i + j] != n[j] { continue outer }
            return true
        }
        return false
    }
}

// MARK: - The request model behind the records

/// One in-flight request or job: a correlation ID shared by 3–20 records close in time.
struct Request {
    enum Kind { case http, job }

    var id: String
    var kind: Kind
    var source: String
    var method: String
    var path: String
    var route: String
    var userID: Int
    var requestID: String
    var userAgent: String
    var clientIP: String
    var host: String
    var thread: String
    var status: Int
    var remaining: Int
    var total: Int
    var elapsedMs: Double
    /// Fails with an exception and a stack trace.
    var crashes: Bool

    static func start(rng: inout SplitMix64) -> Request {
        let source = Templates.sources[rng.below(Templates.sources.count)]
        let isJob = Templates.jobSources.contains(where: { source.hasPrefix($0) })
        let (method, route) = Templates.routes[rng.below(Templates.routes.count)]
        let userID = rng.int(1000...999_999)
        let path = route.replacingPlaceholders(userID: userID, rng: &rng)
        let n = rng.int(3...20)
        let crashes = rng.chance(0.012)
        var status = 200
        if crashes { status = 500 } else {
            switch rng.weighted([90, 3, 3, 2, 1.2, 0.8]) {
            case 0: status = method == "POST" ? 201 : 200
            case 1: status = 304
            case 2: status = 404
            case 3: status = 401
            case 4: status = 429
            default: status = 503
            }
        }
        return Request(id: rng.uuid(), kind: isJob ? .job : .http, source: source, method: isJob ? "JOB" : method,
                       path: isJob ? "/jobs/" + source : path, route: route, userID: userID,
                       requestID: "req_" + rng.hex(16), userAgent: rng.pick(Templates.userAgents),
                       clientIP: "10.\(rng.int(0...255)).\(rng.int(0...255)).\(rng.int(1...254))",
                       host: Templates.host(of: source),
                       thread: isJob ? "scheduler-\(rng.int(1...4))" : "http-nio-8080-exec-\(rng.int(1...64))",
                       status: status, remaining: n, total: n, elapsedMs: 0, crashes: crashes)
    }

    mutating func nextRecord(timestamp: Int64, rng: inout SplitMix64) -> LogRecord {
        let stepIndex = total - remaining
        remaining -= 1
        let stepMs = (rng.skewed(median: 4.0, spread: 1.0) * 100).rounded() / 100
        elapsedMs += stepMs
        var attrs: [Attribute] = [
            Attribute("method", .string(method)),
            Attribute("path", .string(path)),
            Attribute("request_id", .string(requestID)),
            Attribute("span_id", .string(rng.hex(16))),
            Attribute("host", .string(host)),
            Attribute("thread", .string(thread)),
            Attribute("env", .string("production")),
            Attribute("version", .string(Templates.version(of: source))),
        ]
        let level: LogLevel
        let message: String
        if stepIndex == 0 {
            level = .info
            message = kind == .job ? "job \(source) run started (shard \(userID % 16))"
                                   : "\(method) \(path) received from \(clientIP)"
            attrs.append(Attribute("user_agent", .string(userAgent)))
            attrs.append(Attribute("client_ip", .string(clientIP)))
        } else if remaining == 0 {
            // Completion line.
            let latency = (elapsedMs * 100).rounded() / 100
            if crashes {
                level = .error
                message = Templates.exception(method: method, path: path, rng: &rng)
            } else {
                level = status >= 500 ? .error : (status == 429 || status == 401 ? .warning : .info)
                message = kind == .job ? "job \(source) finished: \(rng.int(0...5000)) items in \(latency) ms"
                                       : "\(method) \(path) completed \(status) in \(latency) ms"
            }
            attrs.append(Attribute("status", .int(Int64(status))))
            attrs.append(Attribute("latency_ms", .double(latency)))
            attrs.append(Attribute("execution_time_ms", .int(Int64(elapsedMs.rounded()))))
            attrs.append(Attribute("user_agent", .string(userAgent)))
            attrs.append(Attribute("user_id", .int(Int64(userID))))
        } else {
            (level, message) = Templates.middle(userID: userID, stepMs: stepMs, rng: &rng)
            attrs.append(Attribute("latency_ms", .double(stepMs)))
            attrs.append(Attribute("user_id", .int(Int64(userID))))
            if rng.chance(0.5) { attrs.append(Attribute("execution_time_ms", .int(Int64(stepMs.rounded())))) }
        }
        return LogRecord(timestamp: timestamp, level: level, source: source, correlationID: id,
                         message: message, attributes: attrs)
    }
}

extension String {
    fileprivate func replacingPlaceholders(userID: Int, rng: inout SplitMix64) -> String {
        var out = ""
        var rest = Substring(self)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            switch rest[rest.index(after: open)..<close] {
            case "user": out += String(userID)
            case "order": out += "ord_" + rng.hex(10)
            case "sku": out += "SKU-\(rng.int(10000...99999))"
            case "page": out += String(rng.int(1...40))
            default: out += rng.hex(8)
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// Sources, routes and message templates.
enum Templates {
    static let sources: [String] = {
        let groups: [(String, Int)] = [
            ("api-worker", 12), ("checkout-api", 5), ("auth-service", 4), ("payment-gateway", 3),
            ("inventory-service", 3), ("search-indexer", 3), ("notification-worker", 4), ("user-profile-svc", 3),
            ("image-resizer", 3), ("gateway-edge", 4),
        ]
        var out: [String] = []
        for (base, n) in groups { for i in 1...n { out.append("\(base)-\(i)") } }
        out += ["billing-cron", "ledger-reconciler", "report-generator", "inventory-sync", "session-janitor",
                "email-dispatcher", "fraud-scorer"]
        return out
    }()

    /// A stable host name per source, like `ip-10-4-17-201.eu-west-1.compute.internal`.
    static func host(of source: String) -> String {
        var h: UInt64 = 1469598103934665603
        for b in source.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return "ip-10-\(h % 8)-\((h >> 8) % 256)-\((h >> 16) % 254 + 1).eu-west-1.compute.internal"
    }

    /// A stable build version per source.
    static func version(of source: String) -> String {
        var h: UInt64 = 1469598103934665603
        for b in source.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return "2025.11.\(h % 9 + 1)-" + String(h >> 36, radix: 16)
    }

    static let jobSources = ["billing-cron", "ledger-reconciler", "report-generator", "inventory-sync",
                             "session-janitor"]

    static let routes: [(String, String)] = [
        ("GET", "/api/v1/users/{user}/orders"), ("GET", "/api/v1/users/{user}/profile"),
        ("POST", "/api/v1/orders"), ("GET", "/api/v1/orders/{order}"), ("POST", "/api/v1/orders/{order}/pay"),
        ("GET", "/api/v1/products/{sku}"), ("GET", "/api/v1/search?q=shoes&page={page}"),
        ("PUT", "/api/v1/users/{user}/addresses/{x}"), ("DELETE", "/api/v1/carts/{x}/items/{sku}"),
        ("POST", "/api/v2/auth/token"), ("GET", "/healthz/deep"), ("POST", "/api/v1/webhooks/stripe"),
    ]

    static let userAgents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        "okhttp/4.12.0", "python-requests/2.31.0", "Go-http-client/2.0", "curl/8.5.0",
        "ShopApp/5.12.1 (Android 14; Pixel 8)", "ShopApp/5.12.0 (iOS 17.4; iPhone15,2)",
    ]

    static let upstreams = ["inventory-service", "payment-gateway", "user-profile-svc", "search-indexer",
                            "fraud-scorer", "postgres-primary", "redis-sessions"]

    static let exceptions = [
        ("NullPointerException", "Cannot invoke \"Order.getTotal()\" because \"order\" is null"),
        ("IllegalStateException", "cart already checked out"),
        ("SQLTransientConnectionException", "connection pool exhausted (max=50)"),
        ("JsonParseException", "Unexpected character ('<' (code 60)) at [Source: (String)\"<html>\"; line: 1, column: 1]"),
        ("ArithmeticException", "/ by zero"),
    ]

    static func middle(userID: Int, stepMs: Double, rng: inout SplitMix64) -> (LogLevel, String) {
        // Overall (with start and completion lines): ~15 % debug, ~76 % info, ~6 % warning, ~2 % error,
        // and ~1 % of messages contain "timeout".
        switch rng.weighted([8, 8, 16, 16, 16, 14, 3, 2.5, 1.1, 1.0, 1.0]) {
        case 0: return (.debug, "cache hit for key user:\(userID):profile (age \(rng.int(1...900))s)")
        case 1: return (.debug, "sql: SELECT id, status, total FROM orders WHERE user_id = \(userID) ORDER BY created_at DESC LIMIT 50 -- \(rng.int(0...50)) rows in \(stepMs) ms")
        case 2: return (.info, "authenticated user \(userID) via session token (scopes: orders:read orders:write)")
        case 3: return (.info, "fetched \(rng.int(1...120)) items from \(rng.pick(upstreams)) in \(stepMs) ms")
        case 4: return (.info, "enqueued job \(rng.hex(12)) on queue \(rng.pick(["emails", "invoices", "thumbnails", "webhooks"]))")
        case 5: return (.info, "charged card ending \(rng.int(1000...9999)) amount \(rng.int(1...900)).\(rng.int(10...99)) USD")
        case 6: return (.warning, "slow query on orders took \(Int(stepMs * 40)) ms (threshold 250 ms)")
        case 7: return (.warning, "retrying call to \(rng.pick(upstreams)) (attempt \(rng.int(2...3))/3)")
        case 8: return (.warning, "upstream \(timeoutWord) after \(rng.pick([1000, 2000, 3000, 5000])) ms calling \(rng.pick(upstreams))")
        case 9: return (.error, "payment declined for user \(userID): card_declined (insufficient_funds), charge ch_\(rng.hex(14))")
        default: return (.error, "failed to publish event to topic orders.events: broker not available (partition \(rng.int(0...11)))")
        }
    }

    static let timeoutWord = DatasetGenerator.substringToken

    static func exception(method: String, path: String, rng: inout SplitMix64) -> String {
        let (type, detail) = rng.pick(exceptions)
        let frames = [
            "com.shop.orders.OrderService.checkout(OrderService.java:\(rng.int(40...400)))",
            "com.shop.orders.OrderController.pay(OrderController.java:\(rng.int(20...200)))",
            "com.shop.http.Router.dispatch(Router.java:\(rng.int(50...150)))",
            "io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:444)",
            "java.base/java.lang.Thread.run(Thread.java:1583)",
        ]
        let depth = rng.int(3...5)
        return "unhandled exception in \(method) \(path): java.lang.\(type): \(detail)\n"
            + frames.prefix(depth).map { "\tat " + $0 }.joined(separator: "\n")
    }

    static func heartbeat(timestamp: Int64, rng: inout SplitMix64) -> LogRecord {
        let source = sources[rng.below(sources.count)]
        return LogRecord(timestamp: timestamp, level: rng.chance(0.5) ? .debug : .info, source: source,
                         message: "heartbeat ok: rss=\(rng.int(80...900)) MiB goroutines=\(rng.int(10...400)) open_fds=\(rng.int(20...900))",
                         attributes: [Attribute("uptime_s", .int(Int64(rng.int(60...2_000_000)))),
                                      Attribute("load1", .double(Double(rng.int(0...400)) / 100))])
    }
}
