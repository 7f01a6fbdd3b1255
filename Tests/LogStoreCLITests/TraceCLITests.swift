import Foundation
import Testing
import LogStore

@Suite struct TraceCLITests {
    /// A job of four steps over 2m 30.1s in two sources; the third step fails with a stack trace.
    static func store(_ dir: TempDir) throws -> String {
        let t0 = nowNanos() - 3_600 * nanosPerSecond
        let path = dir.path + "/store"
        try makeStore(path, [
            record(t0, .info, source: "scheduler", id: "job-1", "job started"),
            record(t0 + 12 * nanosPerSecond, .debug, source: "worker", id: "job-1", "fetching input", [Attribute("rows", .int(42))]),
            record(t0 + 90 * nanosPerSecond, .error, source: "worker", id: "job-1", "step transform failed",
                   [Attribute("stack", .string("Error: boom\n    at transform (job.js:10:3)"))]),
            record(t0 + 150_100_000_000, .warning, source: "scheduler", id: "job-1", "job finished with errors"),
            record(t0 + 5 * nanosPerSecond, .info, source: "api", id: "other", "unrelated"),
        ])
        return path
    }

    @Test func traceShowsEachStepWithOffsetsAndAFailedSummary() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let r = try CLI.run(["trace", "job-1", "--store", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.hasEscapeCodes, "no colours through a pipe")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("+12.000s") && $0.contains("DEBUG") && $0.contains("fetching input") })
        #expect(lines.contains { $0.contains("+2m 30.1s") && $0.contains("(+1m 0.1s)") && $0.contains("WARNING") })
        #expect(lines.contains { $0.hasPrefix("     ") && $0.contains("at transform (job.js:10:3)") }, "stack trace indented")
        #expect(lines.contains { $0.hasPrefix("     ") && $0.contains("rows=42") }, "attributes indented")
        #expect(!r.stdout.contains("unrelated"))
        #expect(lines.last == "FAILED · 4 steps · 2m 30.1s · sources: scheduler, worker")
    }

    @Test func traceJSONGivesTheSameStructure() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let j = try json(try CLI.run(["trace", "job-1", "--store", path, "--format", "json"]).stdout)
        #expect(j["status"] as? String == "failed")
        #expect(j["steps"] as? Int == 4)
        #expect(j["duration_ns"] as? Int == 150_100_000_000)
        #expect(j["sources"] as? [String] == ["scheduler", "worker"])
        let records = try #require(j["records"] as? [[String: Any]])
        #expect(records.map { $0["offset_ns"] as? Int } == [0, 12_000_000_000, 90_000_000_000, 150_100_000_000])
        #expect(records[2]["since_previous_ns"] as? Int == 78_000_000_000)
        #expect((records[2]["record"] as? [String: Any])?["level"] as? String == "error")
    }

    @Test func traceColoursOnlyOnATerminalAndNeverWithNoColor() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let tty = try CLI.runOnTerminal(["trace", "job-1", "--store", path])
        #expect(tty.stdout.contains("\u{1B}[31m"), "red error on a terminal: \(tty.stdout)")
        #expect(tty.stdout.contains("\u{1B}[34m"), "blue debug on a terminal")
        let noColor = try CLI.runOnTerminal(["trace", "job-1", "--store", path], env: ["NO_COLOR": "1"])
        #expect(noColor.stdout.contains("FAILED · 4 steps"))
        #expect(!noColor.stdout.hasEscapeCodes, "\(noColor.stdout)")
    }

    @Test func traceOfAnUnknownIDExitsOne() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let r = try CLI.run(["trace", "nope", "--store", path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no records with correlation ID nope"))
    }
}
