import Foundation
import Testing
import LogStore

@Suite struct WhereCLITests {
    static func store(_ dir: TempDir) throws -> String {
        let t0 = nowNanos() - 600 * nanosPerSecond
        let path = dir.path + "/store"
        var records: [LogRecord] = []
        for i in 0..<40 {
            records.append(record(t0 + Int64(i) * nanosPerSecond, i % 4 == 0 ? .error : .info, source: i % 2 == 0 ? "api-worker" : "cron",
                                  "request \(i)\(i % 5 == 0 ? " timeout" : "")", [Attribute("status", .int(i % 3 == 0 ? 503 : 200))]))
        }
        try makeStore(path, records)
        return path
    }

    @Test func whereCombinesAndOrNotParenthesesComparisonsSubstringAndIn() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        func count(_ expr: String) throws -> String {
            let r = try CLI.run(["count", "--store", path, "--where", expr])
            #expect(r.status == 0, "\(expr): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // i % 4 == 0 → error, always api-worker: 10 records.
        #expect(try count("level >= error and source = \"api-worker\"") == "10")
        #expect(try count("attr.status >= 500") == "14")
        #expect(try count("message ~ \"timeout\"") == "8")
        #expect(try count("not (source in (cron)) and (message ~ timeout or attr.status = 503)") == "9")
        #expect(try count("level in (error, critical) or source != \"api-worker\"") == "30")
        #expect(try count("source not in (\"api-worker\") and level = error") == "0")
        #expect(try count("time >= 5m") != "40")
    }

    @Test func whereLimitCountsOnlyRecordsPassingTheResidualFilter() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let r = try CLI.run(["query", "--store", path, "--where", "not source = cron", "--limit", "3", "--format", "json"])
        let sources = try r.stdout.split(separator: "\n").map { try json(String($0))["source"] as? String }
        #expect(sources == ["api-worker", "api-worker", "api-worker"])
    }

    @Test func aParseErrorPointsAtItsColumnWithACaretAndExitsTwo() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let r = try CLI.run(["query", "--store", path, "--where", "level >= warning and (source = api"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.contains("--where:1:35: expected ')' to close the '(' at column 22") == true, "\(r.stderr)")
        #expect(lines[1] == "  level >= warning and (source = api")
        #expect(lines[2] == "  " + String(repeating: " ", count: 34) + "^")
    }
}
