import Foundation
import Testing
import LogStore

@Suite struct TailCLITests {
    @Test func tailPrintsTheLastNMatchingRecordsOldestFirst() throws {
        let dir = TempDir()
        let t0 = nowNanos() - 600 * nanosPerSecond
        let path = dir.path + "/store"
        try makeStore(path, (0..<50).map { i in record(t0 + Int64(i) * nanosPerSecond, i % 2 == 0 ? .warning : .info, "line \(i)") })
        let r = try CLI.run(["tail", "--store", path, "-n", "3", "--where", "level >= warning", "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        let messages = try r.stdout.split(separator: "\n").map { try json(String($0))["message"] as? String }
        #expect(messages == ["line 44", "line 46", "line 48"])
    }

    @Test func tailFollowPrintsNewCommittedRecordsAndExitsCleanlyOnCtrlC() throws {
        let dir = TempDir()
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

    /// Starts `logstore ARGS` with stdout to `outPath` (a follower that runs until signalled).
    static func start(_ args: [String], outPath: String) throws -> Process {
        let exe = try #require(CLI.executable)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Sends SIGINT and returns how the process ended (SIGKILL after 5 s, so a test never hangs).
    static func interrupt(_ p: Process) -> (Process.TerminationReason, Int32) {
        kill(p.processIdentifier, SIGINT)
        var waited = 0
        while p.isRunning && waited < 100 { usleep(50_000); waited += 1 }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (p.terminationReason, p.terminationStatus)
    }

    @Test func tailFollowPrintsEveryRecordAnotherProcessWritesOnceIncludingLateOnes() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        let t0 = nowNanos() - 60 * nanosPerSecond
        try makeStore(path, [record(t0, .info, "before one"), record(t0 + nanosPerSecond, .info, "before two")])
        let allPath = dir.path + "/all", warnPath = dir.path + "/warn"
        let all = try Self.start(["tail", "-f", "--store", path, "-n", "1", "--format", "ndjson"], outPath: allPath)
        defer { if all.isRunning { kill(all.processIdentifier, SIGKILL) } }
        let warn = try Self.start(["tail", "-f", "--store", path, "-n", "0", "--format", "ndjson",
                                   "--where", "level >= warning and message ~ \"m-\""], outPath: warnPath)
        defer { if warn.isRunning { kill(warn.processIdentifier, SIGKILL) } }
        for _ in 0..<200 {
            if !Self.lines(allPath).isEmpty { break }
            usleep(50_000)
        }
        #expect(Self.lines(allPath).first?.contains("before two") == true)
        usleep(300_000)  // the -n 0 follower has no first line to wait for
        // Another process writes 6,006 records, 7 per append, with durability sync: its 256 KiB heads
        // rotate WAL files and flush them into segments (deleting them) while tail follows. Record n
        // has timestamp base + n ms - (n % 7) * 5 ms, so many are older than records written before them.
        let count = 6_006
        let writer = try CLI.run(["crash-writer", "--store", path, "--count", "\(count)", "--batch", "7", "--seed", "3"])
        #expect(writer.status == 0, "\(writer.stderr)")
        let acks = writer.stdout.split(separator: "\n").map { $0.split(separator: " ") }
        try #require(acks.count == count)
        let ackedMessages = acks.map { String($0[2]) }
        let warningLevels: Set<String> = ["warning", "error", "critical"]
        for _ in 0..<600 {
            if Self.lines(allPath).count >= count + 1 { break }
            usleep(100_000)
        }
        usleep(300_000)  // anything extra would show up now
        let (reason, status) = Self.interrupt(all)
        #expect(reason == .exit && status == 0, "SIGINT ends tail -f with status 0")
        let (wReason, wStatus) = Self.interrupt(warn)
        #expect(wReason == .exit && wStatus == 0)

        let printed = try Self.lines(allPath).dropFirst().map { try json($0) }
        let messages = printed.compactMap { $0["message"] as? String }
        #expect(messages.count == count, "every record once: \(messages.count) of \(count)")
        #expect(messages == ackedMessages, "in commit order")
        #expect(Set(messages).count == messages.count, "no duplicates")
        let sequences = printed.compactMap { $0["seq"] as? Int }
        #expect(sequences == sequences.sorted())
        // m-3-6 is 24 ms older than m-3-5 and was written after it: a late record.
        let five = messages.firstIndex(of: "m-3-5"), six = messages.firstIndex(of: "m-3-6")
        #expect(five != nil && six != nil && five! < six!)
        if let five, let six {
            #expect((printed[six]["timestamp"] as? String ?? "") < (printed[five]["timestamp"] as? String ?? ""),
                    "m-3-6 has the older timestamp")
        }

        let filtered = try Self.lines(warnPath).map { try json($0) }
        let expected = (0..<count).filter { warningLevels.contains(LogLevel.allCases[$0 % LogLevel.count].name) }.map { "m-3-\($0)" }
        #expect(filtered.compactMap { $0["message"] as? String } == expected, "--where: exactly the matching records")
    }

    @Test func tailFollowKeepsFollowingWritersThatAreKilledAndRestarted() throws {
        let dir = TempDir()
        let exe = try #require(CLI.executable)
        let path = dir.path + "/store"
        try makeStore(path, [record(nowNanos() - 60 * nanosPerSecond, .info, "before")])
        let outPath = dir.path + "/out"
        let tail = try Self.start(["tail", "-f", "--store", path, "-n", "0", "--format", "ndjson"], outPath: outPath)
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        usleep(300_000)
        // Three writers killed with SIGKILL at random moments (torn frames, WAL files the next writer
        // replays, flushes and deletes, file numbers it reuses), then one that finishes.
        var acked: [String] = []
        var rng = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let ackPath = dir.path + "/acks\(round)"
            _ = FileManager.default.createFile(atPath: ackPath, contents: nil)
            let w = Process()
            w.executableURL = URL(fileURLWithPath: exe)
            w.arguments = ["crash-writer", "--store", path, "--seed", "\(round)", "--batch", "5"] + (round == 3 ? ["--count", "500"] : [])
            w.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: ackPath))
            w.standardError = FileHandle.nullDevice
            try w.run()
            if round < 3 {
                usleep(UInt32.random(in: 300_000...900_000, using: &rng))
                kill(w.processIdentifier, SIGKILL)
            }
            w.waitUntilExit()
            let acks = ((try? String(contentsOfFile: ackPath, encoding: .utf8)) ?? "").split(separator: "\n")
            // The last line may be cut by the kill.
            acked += acks.compactMap { line in
                let parts = line.split(separator: " ")
                return parts.count == 3 && line.hasPrefix("ack ") && (round == 3 || line != acks.last) ? String(parts[2]) : nil
            }
        }
        #expect(acked.count > 500)
        var printed: [[String: Any]] = []
        for _ in 0..<300 {
            printed = Self.lines(outPath).compactMap { try? json($0) }
            if printed.contains(where: { $0["message"] as? String == "m-3-499" }) { break }
            usleep(100_000)
        }
        usleep(300_000)
        printed = Self.lines(outPath).compactMap { try? json($0) }
        let (reason, status) = Self.interrupt(tail)
        #expect(reason == .exit && status == 0)
        let messages = printed.compactMap { $0["message"] as? String }
        let sequences = printed.compactMap { $0["seq"] as? Int }
        #expect(Set(messages).count == messages.count, "no record twice")
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "in sequence order")
        let missing = Set(acked).subtracting(messages)
        #expect(missing.isEmpty, "every acknowledged record is printed; missing \(missing.count), e.g. \(missing.sorted().prefix(5))")
    }
}
