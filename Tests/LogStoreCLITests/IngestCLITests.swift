import Foundation
import Testing
import LogStore

@Suite struct IngestCLITests {
    @Test func ingestSummaryJSONCountsAcceptedRejectedAndDroppedRecords() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        let now = nowNanos()
        let recent = Date(timeIntervalSince1970: Double(now) / 1e9 - 60)
        let iso = ISO8601DateFormatter()
        let file = dir.path + "/in.ndjson"
        let lines = [
            #"{"timestamp":"\#(iso.string(from: recent))","level":"info","source":"api","message":"ok one"}"#,
            #"{"timestamp":"\#(iso.string(from: recent))","level":"info","message":"ok two"#,  // line 2: truncated JSON
            #"{"timestamp":"\#(iso.string(from: recent))","level":"warn","source":"api","message":"ok three"}"#,
            #"not json at all"#,  // line 4
            #"{"timestamp":"2001-01-01T00:00:00Z","level":"info","source":"api","message":"too old"}"#,  // beyond retention
            #"{"timestamp":"\#(iso.string(from: recent))","level":"error","source":"api","message":"ok four"}"#,
        ]
        let text = lines.joined(separator: "\n") + "\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["ingest", "--store", path, "--summary", "json", "--max-errors", "1", file])
        #expect(r.status == 1, "bad lines make the exit status 1: \(r.stderr)")
        let out = r.stdout.split(separator: "\n")
        try #require(out.count == 1, "one JSON object on standard output: \(r.stdout)")
        let summary = try json(String(out[0]))
        #expect(summary["accepted"] as? Int == 3)
        #expect(summary["rejected"] as? Int == 2)
        #expect(summary["dropped"] as? Int == 1)
        #expect(summary["dropped_expired"] as? Int == 1)
        #expect(summary["bytes"] as? Int == text.utf8.count)
        #expect(summary["inputs"] as? Int == 1)
        #expect((summary["duration_seconds"] as? Double).map { $0 >= 0 } == true)
        let listed = try #require(summary["rejected_lines"] as? [[String: Any]])
        #expect(listed.count == 1, "--max-errors 1 lists one bad line")
        #expect(listed.first?["file"] as? String == file)
        #expect(listed.first?["line"] as? Int == 2)
        #expect((listed.first?["reason"] as? String)?.isEmpty == false)
        #expect(summary["rejected_lines_not_listed"] as? Int == 1)
        // The human summary is gone from standard error; the bad line is still reported there.
        #expect(!r.stderr.contains("ingested "))
        #expect(r.stderr.contains("\(file):2:"))

        let human = try CLI.run(["ingest", "--store", dir.path + "/other", file])
        #expect(human.stdout.isEmpty && human.stderr.contains("ingested 3 records"), "\(human.stderr)")
    }
}
