import Foundation
import Testing
import LogStore

@Suite struct CompactCLITests {
    /// A store of 12 flushes over 4 hours, three days ago: many small segments in one compaction window.
    static func fragmentedStore(_ dir: TempDir) throws -> (path: String, records: [LogRecord]) {
        let window = 16 * 3_600 * nanosPerSecond
        let base = (nowNanos() - 3 * 86_400 * nanosPerSecond) / window * window + 3_600 * nanosPerSecond
        var records: [LogRecord] = []
        for i in 0..<600 {
            records.append(record(base + Int64(i) * 24 * nanosPerSecond, i % 9 == 0 ? .error : .info,
                                  source: i % 2 == 0 ? "api" : "worker", id: "req-\(i % 13)", "message \(i)",
                                  [Attribute("i", .int(Int64(i)))]))
        }
        let path = dir.path + "/store"
        var options = StoreOptions(durability: .none)
        options.compactInBackground = false
        let store = try LogStore.open(at: path, options: options)
        for chunk in stride(from: 0, to: records.count, by: 50) {
            _ = try store.append(Array(records[chunk..<min(records.count, chunk + 50)]))
            try store.flush()
        }
        try store.close()
        return (path, records)
    }

    @Test func compactMergesSegmentsAndQueriesVerifyAndInspectAgree() throws {
        let dir = TempDir()
        let (path, records) = try Self.fragmentedStore(dir)
        let before = try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }
        #expect(before.count >= 12)

        let r = try CLI.run(["compact", "--store", path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        #expect(j["segments_replaced"] as? Int == before.count)
        #expect(j["segments_written"] as? Int == 1)
        #expect(j["records"] as? Int == records.count)
        let after = try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }
        #expect(after.count == 1)

        let byID = try CLI.run(["query", "--store", path, "--correlation", "req-5", "--format", "ndjson"])
        #expect(byID.status == 0)
        #expect(byID.stdout.split(separator: "\n").count == records.filter { $0.correlationID == "req-5" }.count)
        let verify = try CLI.run(["verify", "--store", path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = try CLI.run(["inspect", path + "/segments/" + after[0]])
        #expect(inspect.stdout.contains("format v5"))
        #expect(inspect.stdout.contains("compacted from \(before.count) segments"))

        let again = try CLI.run(["compact", "--store", path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("compacted 0 segments into 0"))
    }

    @Test func compactOnAMissingStoreFailsClearly() throws {
        let dir = TempDir()
        let r = try CLI.run(["compact", "--store", dir.path + "/nothing"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no store"))
    }
}
