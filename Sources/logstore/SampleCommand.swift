import ArgumentParser
import LogStore
import LogStoreIngest
import Glibc

/// Writes realistic request and job logs as NDJSON, for trying LogStore out and for demos.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write realistic sample logs as NDJSON (for trying LogStore).",
        discussion: """
        Requests and background jobs from many workers, each tagged with a correlation ID shared by \
        3–20 records, over the last few hours (about 1% arrive late), with levels, latencies, status \
        codes and the occasional exception with a stack trace. The same seed gives the same logs \
        (timestamps are relative to now).

        Example:
          logstore sample --records 100000 > sample.ndjson && logstore ingest sample.ndjson
        """
    )

    @Option(help: "How many records.")
    var records = 100_000

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Time span the records cover, ending now (e.g. 6h).", valueName: "DURATION"))
    var span = "6h"

    func validate() throws {
        guard records >= 0 else { throw ValidationError("--records must not be negative") }
        guard let s = DurationParser.parse(span), s > 0 else { throw ValidationError("--span: '\(span)' is not a duration like 6h") }
    }

    func run() throws {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let end = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) - 1_000_000_000
        var generator = SampleLogGenerator(seed: seed, count: records, end: end, span: DurationParser.parse(span) ?? 0)
        var out = Output()
        while let line = generator.next() { out.write(line) }
        out.flush()
    }
}

/// The generator behind `logstore sample`: interleaved requests and jobs, each a short story of records.
struct SampleLogGenerator {
    private var rng: UInt64
    private let count: Int
    private let start: Int64
    private let step: Int64
    private var produced = 0
    private var active: [(id: String, source: String, left: Int, kind: Int, path: String, user: Int)] = []

    private static let sources = (0..<24).map { "api-worker-\($0)" } + (0..<12).map { "job-runner-\($0)" }
        + ["billing-cron", "mailer", "auth-service", "search-indexer", "image-resizer", "webhook-dispatcher"]
    private static let paths = ["/api/users/%d", "/api/orders/%d", "/api/orders/%d/items", "/login", "/api/search",
                                "/api/items/%d/reviews", "/health", "/api/cart/%d/checkout"]
    private static let jobs = ["send-invoice", "resize-image", "sync-inventory", "reindex-catalog", "deliver-webhook"]

    init(seed: UInt64, count: Int, end: Int64, span: Int64) {
        rng = seed &+ 0x9E37_79B9_7F4A_7C15
        self.count = count
        self.start = end - span
        self.step = count > 0 ? max(1, span / Int64(count)) : 1
    }

    private mutating func random() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ n: Int) -> Int { Int(random() % UInt64(max(n, 1))) }

    private mutating func uuid() -> String {
        let a = random(), b = random()
        let hex = String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    mutating func next() -> String? {
        guard produced < count else { return nil }
        var ts = start + Int64(produced) * step + Int64(below(Int(step)))
        if below(100) == 0 { ts -= Int64(below(3600)) * 1_000_000_000 }  // ~1% late arrivals
        produced += 1
        if active.count < 40 || below(8) == 0 {
            let kind = below(4) == 0 ? 1 : 0
            let source = kind == 1 ? Self.sources[24 + below(Self.sources.count - 24)] : Self.sources[below(24)]
            let path = Self.paths[below(Self.paths.count)].replacingOccurrences(of: "%d", with: String(below(100_000)))
            active.append((uuid(), source, 3 + below(18), kind, path, below(50_000)))
        }
        let i = below(active.count)
        active[i].left -= 1
        let a = active[i]
        if a.left <= 0 { active.remove(at: i) }
        let roll = below(1000)
        let level = roll < 20 ? "error" : roll < 90 ? "warning" : roll < 200 ? "debug" : "info"
        let latency = Double(below(90_000)) / 100
        let status = level == "error" ? [500, 502, 503][below(3)] : level == "warning" ? [404, 429, 409][below(3)] : [200, 200, 201, 204][below(4)]
        var message: String
        var extra = ""
        if a.kind == 0 {
            let method = ["GET", "POST", "PUT", "DELETE"][below(4)]
            message = level == "error" ? "\(method) \(a.path) failed: upstream timeout after \(Int(latency)) ms"
                : "\(method) \(a.path) completed with status \(status) in \(Int(latency)) ms"
            extra = ",\"method\":\"\(method)\",\"path\":\"\(a.path)\",\"status\":\(status),\"latency_ms\":\(latency),\"user_id\":\(a.user)"
        } else {
            let job = Self.jobs[below(Self.jobs.count)]
            let stepName = ["fetch", "transform", "upload", "notify"][below(4)]
            message = level == "error" ? "job \(job) step \(stepName) failed: connection reset by peer"
                : "job \(job) step \(stepName) finished"
            extra = ",\"task_name\":\"\(job)\",\"step\":\"\(stepName)\",\"execution_time_ms\":\(Int(latency)),\"attempt\":\(1 + below(3))"
        }
        if level == "error" && below(3) == 0 {
            extra += ",\"stack\":\"Error: \(message)\\n    at handle (/srv/app/handler.js:\(below(400)):\(below(80)))\\n    at process (/srv/app/queue.js:\(below(200)):\(below(40)))\""
        }
        let time = TimestampParser.formatRFC3339(ts)
        return "{\"timestamp\":\"\(time)\",\"level\":\"\(level)\",\"source\":\"\(a.source)\",\"correlation_id\":\"\(a.id)\",\"message\":\"\(message)\",\"request_id\":\"req-\(String(random() & 0xFFFF_FFFF, radix: 16))\",\"region\":\"\(["eu-west-1", "us-east-1", "ap-south-1"][below(3)])\"\(extra)}\n"
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }
}
