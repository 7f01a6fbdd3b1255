import Foundation
import Testing
import LogStore

@Suite struct StatsCLITests {
    /// api: latency 1…100 ms, every tenth an error; worker: 10 records without latency, two buckets of an hour.
    static func store(_ dir: TempDir) throws -> (path: String, start: Int64) {
        let hour = 3_600 * nanosPerSecond
        let start = (nowNanos() / hour - 3) * hour
        var records: [LogRecord] = []
        for i in 1...100 {
            records.append(record(start + Int64(i) * nanosPerSecond, i % 10 == 0 ? .error : .info, source: "api", "request \(i)",
                                  [Attribute("latency_ms", .double(Double(i)))]))
        }
        for i in 0..<10 { records.append(record(start + hour + Int64(i) * nanosPerSecond, .info, source: "worker", "step \(i)")) }
        let path = dir.path + "/store"
        try makeStore(path, records)
        return (path, start)
    }

    @Test func statsGivesCountErrorRateAndPercentilesPerSource() throws {
        let dir = TempDir()
        let (path, _) = try Self.store(dir)
        let r = try CLI.run(["stats", "--store", path, "--by", "source", "--field", "latency_ms"])
        #expect(r.status == 0, "\(r.stderr)")
        let api = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("api ") })
        #expect(api.split(separator: " ").map(String.init) == ["api", "100", "10", "10.0%", "100", "50", "95", "99", "100"])

        let j = try json(try CLI.run(["stats", "--store", path, "--by", "source", "--field", "latency_ms", "--format", "json"]).stdout)
        let groups = try #require(j["groups"] as? [[String: Any]])
        let g = try #require(groups.first { $0["group"] as? String == "api" })
        #expect(g["count"] as? Int == 100 && g["errors"] as? Int == 10)
        let field = try #require(g["field"] as? [String: Any])
        #expect(field["p50"] as? Double == 50 && field["p95"] as? Double == 95 && field["p99"] as? Double == 99 && field["max"] as? Double == 100)
        #expect((groups.first { $0["group"] as? String == "worker" }?["field"] as? [String: Any])?["n"] as? Int == 0)
    }

    @Test func statsEveryBucketsByTimeAsCSVAndDrawsBarsOnlyOnATerminal() throws {
        let dir = TempDir()
        let (path, _) = try Self.store(dir)
        let csv = try CLI.run(["stats", "--store", path, "--every", "1h", "--format", "csv"])
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "time,count,errors,error_rate")
        #expect(lines.count == 3)
        #expect(lines[1].hasSuffix(",100,10,0.1000") && lines[2].hasSuffix(",10,0,0.0000"), "\(lines)")

        let piped = try CLI.run(["stats", "--store", path, "--every", "1h"])
        #expect(!piped.stdout.contains("█") && !piped.stdout.contains("▁"))
        let tty = try CLI.runOnTerminal(["stats", "--store", path, "--every", "1h"], env: ["NO_COLOR": "1"])
        #expect(tty.stdout.contains("█") && tty.stdout.contains("count  █▁"), "\(tty.stdout)")
        #expect(!tty.stdout.hasEscapeCodes)
    }

    @Test func statsAppliesWhereAndGroupsByAttribute() throws {
        let dir = TempDir()
        let (path, _) = try Self.store(dir)
        let r = try CLI.run(["stats", "--store", path, "--where", "attr.latency_ms > 90", "--by", "level", "--format", "csv"])
        #expect(r.stdout == "level,count,errors,error_rate\ninfo,9,0,0.0000\nerror,1,1,1.0000\n")
    }
}
