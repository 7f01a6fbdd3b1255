import Foundation
import Testing
import LogStore

@Suite struct TailCLITests {
    @Test func tailPrintsTheLastNMatchingRecordsOldestFirst() throws {
        let dir = try TempDir()
        let t0 = nowNanos() - 600 * nanosPerSecond
        let path = dir.path + "/store"
        try makeStore(path, (0..<50).map { i in record(t0 + Int64(i) * nanosPerSecond, i % 2 == 0 ? .warning : .info, "line \(i)") })
        let r = try CLI.run(["tail", "--store", path, "-n", "3", "--where", "level >= warning", "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        let messages = try r.stdout.split(separator: "\n").map { try json(String($0))["message"] as? String }
        #expect(messages == ["line 44", "line 46", "line 48"])
    }

    @Test func tailFollowPrintsNewCommittedRecordsAndExitsCleanlyOnCtrlC() throws {
        let dir = try TempDir()
        let exe = try #require(CLI.executable)
        let path = dir.path + "/store"
        let t0 = nowNanos() - 60 * nanosPerSecond
        try makeStore(path, [record(t0 - nanosPerSecond, .info, "old new"), record(t0, .info, "new zero")])

        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["tail", "-f", "--store", path, "-n", "1", "--interval", "50", "--where", "message ~ \"new\""]
        let outPath = dir.path + "/out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        // Once tail printed the latest matching record, it is following.
        for _ in 0..<200 where !((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").contains("new zero") { usleep(50_000) }
        // A writer in this process appends while tail follows.
        let store = try LogStore.open(at: path, options: StoreOptions(durability: .sync))
        _ = try store.append([record(t0 + nanosPerSecond, .info, "new one"), record(t0 + 2 * nanosPerSecond, .info, "skipped"),
                              record(t0 + 3 * nanosPerSecond, .error, "new two")])
        var text = ""
        for _ in 0..<200 {
            text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            if text.contains("new two") { break }
            usleep(50_000)
        }
        try store.close()
        kill(p.processIdentifier, SIGINT)
        var waited = 0
        while p.isRunning && waited < 100 { usleep(50_000); waited += 1 }
        // Never leave the follower behind, even when it ignored Ctrl-C (the expectations below fail then).
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3, "\(text)")
        #expect(lines.first?.contains("new zero") == true && lines.dropFirst().first?.contains("new one") == true
                && lines.last?.contains("new two") == true, "\(text)")
    }
}
